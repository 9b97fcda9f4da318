import type { components } from '@kikuai/sdk';

/** The API's own types, generated from openapi.yaml into the SDK: never hand-written here. */
type Schemas = components['schemas'];
export type Account = Schemas['Account'];
export type Balance = Schemas['Balance'];
export type ApiKey = Schemas['ApiKey'];
export type ApiKeyWithSecret = Schemas['ApiKeyWithSecret'];
export type UsageReport = Schemas['UsageReport'];
export type UsageRow = Schemas['UsageRow'];
export type LedgerEntry = Schemas['LedgerEntry'];
export type LedgerPage = Schemas['LedgerPage'];
export type TopupOptions = Schemas['TopupOptions'];
export type Topup = Schemas['Topup'];
export type Product = Schemas['Product'];
export type SpendLimitPeriod = Schemas['SpendLimitPeriod'];
