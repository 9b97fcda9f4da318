import type { SpendLimit } from '@kikuai/sdk';

/** The API's own types come from the SDK (generated from openapi.yaml): never hand-written here. */
export type {
  Account,
  ApiKey,
  ApiKeyList,
  ApiKeyWithSecret,
  Balance,
  ChargesGroup,
  DailyHistoryItem,
  LedgerEntry,
  LedgerPage,
  Permission,
  Product,
  ProductList,
  Topup,
  TopupOptions,
  UsageReport,
  UsageRow,
} from '@kikuai/sdk';
export type SpendLimitPeriod = SpendLimit['period'];
