/**
 * The SDK's one money format (`$1,234.50`, `$0.001`, `−$5.00`) and its reader of typed
 * amounts (`parseUsd`: `10`, `12.50`, `$1,000` → integer micro-USD; English, as the CLI
 * writes), re-exported for the commands and views.
 */
export { formatUsd, parseUsd } from '@kikuai/sdk';
