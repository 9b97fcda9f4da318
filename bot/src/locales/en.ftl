## The kikuai bot, English. Every message here exists in ru.ftl too (a test checks).
## Messages with HTML are sent with parse_mode HTML; variables are escaped by the code.

# The language amounts are written in (the SDK's formatUsd locale): $1,234.50.
money-locale = en

start-created =
    Welcome to kikuai, { $name }!

    Your account is ready. This is your API key:

    <code>{ $key }</code>

    ⚠️ It is shown only this once. Store it somewhere safe (a password manager or an environment variable such as KIKUAI_API_KEY) and never share it, then tap the button below to delete this message. Lost it? /regenerate_key gives you a new one.
start-credit = 🎁 <b>{ $amount }</b> of free credit is on your balance: enough for your first calls. /topup adds more.
start-no-credit = Your balance is $0.00. Next step: add money with /topup, then make the call below.
start-returning =
    Welcome back, { $name }! Your account is ready.
    Your keys are listed in /api_key (their secrets are never shown again); /regenerate_key replaces a key, /new_key makes another.
start-returning-bot =
    Welcome back, { $name }! Your account is ready.
    Your first key's secret was shown here, in this chat, when you first sent /start. Secrets are never shown again: /regenerate_key gives a key a new one, /new_key makes another key.
start-returning-miniapp =
    Welcome back, { $name }! Your account is ready.
    Your first key's secret was shown in the Mini App, when you first opened it. Secrets are never shown again: /regenerate_key gives a key a new one, /new_key makes another key.
key-message-deleted = 🗑 The message with your key is deleted. Here is your first call again, with the key from the KIKUAI_API_KEY variable:
quickstart =
    <b>Your first call</b> · base URL <code>{ $baseUrl }</code>
    <pre>{ $curl }</pre>
    SDK (Node 20+, key in KIKUAI_API_KEY):
    <pre>{ $sdk }</pre>
    CLI (asks for the key):
    <pre>{ $cli }</pre>
    Docs: { $docsUrl }
menu-title = What would you like to do?

button-balance = 💰 Balance
button-topup = ⭐ Top up
button-keys = 🔑 API keys
button-usage = 📊 Usage
button-history = 📜 History
button-products = 🧩 Products
button-open-app = 📱 Open app
button-help = ❓ Help
button-menu = ☰ Menu
button-cancel = Cancel
button-open-private = Open a private chat
button-regenerate = 🔄 Regenerate a key
button-create-key = Create a key
button-key-stored = ✅ I stored the key: delete this message
button-confirm-rotate = Yes, regenerate
button-newer = ‹ Newer
button-older = Older ›
button-topup-amount = { $amount } · { $stars } ⭐

private-only = I only show account details and keys in a private chat. Write to me directly.
private-only-short = Only in a private chat

balance-amount = Your balance: <b>{ $amount }</b>
balance-empty = Your balance is $0.00. Next step: add money with /topup; /quickstart shows your first call.
balance-low = ⚠️ Your balance is running low. Top it up with /topup so your API calls keep working.
balance-suspended = ⛔ Your account is suspended. Contact /support.

usage-title = <b>Usage, last { $days } days</b> ({ $from } – { $to })
usage-row = • <b>{ $product }</b>: { $requests } requests, { $errors } failed (refunded), { $cost }
usage-total = Total: { $requests } requests, { $cost }
usage-empty = No API calls in the last { $days } days. Your first call: /quickstart.

history-title = <b>History</b>, page { $page }
history-entry =
    { $time } · { $kind } <b>{ $amount }</b>
    { $reason } · balance { $balance }
history-kind-credit = credit
history-kind-debit = charge
history-kind-refund = refund
history-kind-adjustment = adjustment
history-kind-signup_credit = signup credit
history-empty = Your history is empty so far. Next step: add money with /topup; /quickstart shows your first call.
history-expired = That page is gone; here is the latest one.

keys-title = <b>Your API keys</b>
keys-entry =
    • <b>{ $name }</b> <code>{ $key }</code> ({ $status })
    last used: { $lastUsed }
    permissions: { $permissions }
keys-never-used = never
keys-permissions-all = all
keys-permissions-none = none
keys-footer = Secrets are shown only once, when a key is made. Lost one? Regenerate it. Another key: /new_key name.
keys-empty = You have no active API key. Create one with the button below.
key-status-active = active
key-status-disabled = disabled
key-status-expired = expired
key-status-revoked = revoked

rotate-choose = Which key should get a new secret?
rotate-confirm =
    Regenerate the key <b>{ $name }</b> <code>{ $key }</code>?
    You will get a new secret; { $when }
rotate-old-key-now = the current one stops working at once.
rotate-old-key-grace = the current one keeps working for { $minutes } more minutes.
rotate-confirm-create = You have no active key. Create a new one?
rotate-in-progress = Working on it…
rotate-confirmed = Done: the key has a new secret.
rotate-done =
    Your new API key:

    <code>{ $key }</code>

    ⚠️ Shown only this once: store it safely and update your apps.
rotate-key-gone = That key no longer exists. See /api_key.
new-key-usage =
    Name the new key: <code>/new_key ci</code>. Add what it may do, or choose with the buttons:
    <code>full</code>: everything · <code>calls</code>: only call products · <code>read</code>: only read balance and usage.
    Example: <code>/new_key ci calls</code>
new-key-name-too-long = A key name is at most 64 characters.
new-key-choose = What may the key <b>{ $name }</b> do?
new-key-preset-full = Everything
new-key-preset-calls = Only call products
new-key-preset-read = Only read balance and usage
new-key-done =
    Your new key <b>{ $name }</b> (permissions: { $permissions }):

    <code>{ $key }</code>

    ⚠️ Shown only this once: store it safely.
rotate-cancelled = Cancelled. Your key is unchanged.

topup-choose = How much would you like to add? You pay in Telegram Stars (from { $min } to { $max }; /topup 12.50 for another amount).
topup-unavailable = Top-ups are not available in Telegram right now. Please try again later.
topup-out-of-range = A top-up must be between { $min } and { $max }.
topup-bad-amount = I did not understand that amount. Try /topup 10 or /topup 12.50.
invoice-title = kikuai balance: { $amount }
invoice-description = Adds { $amount } to your kikuai balance for { $stars } Telegram Stars.
invoice-label = Top-up { $amount }

payment-declined = This invoice can no longer be paid. Please start a new top-up with /topup.
payment-declined-no-account = Send /start first, then top up again.
payment-declined-unknown-invoice = This invoice is not valid for your account. Create a new top-up with /topup.
payment-declined-not-pending = This invoice was already paid or has expired. Create a new top-up with /topup.
payment-declined-wrong-currency = This invoice must be paid in Telegram Stars.
payment-declined-wrong-amount = The amount does not match this invoice. Create a new top-up with /topup.
payment-unavailable = Payments are briefly unavailable. You were not charged; please try again in a minute.
payment-delayed = We received your payment of { $stars } ⭐. Crediting your balance is taking longer than usual; it will be credited, no need to pay again. Questions: /paysupport
payment-credited =
    ✅ Payment received: { $stars } ⭐.
    <b>{ $amount }</b> was added to your balance. New balance: <b>{ $balance }</b>.
payment-refused = We received your payment of { $stars } ⭐, but it does not match its invoice, so it was not credited. Our team has been told and will sort it out; you can also write to /paysupport.
payment-over-limit = Your payment of { $stars } ⭐ would take your balance above its limit, so it was not credited. It will be refunded to you; questions: /paysupport

## products
products-title = <b>Products</b>
products-entry =
    • <b>{ $name }</b> (<code>{ $id }</code>), { $status }
    { $description }
products-footer = Prices and endpoints: /product name, or tap a product.
products-empty = No products are available yet.
product-status-live = available
product-status-soon = coming soon
product-title = <b>{ $name }</b> ({ $status })
product-endpoint =
    <b>{ $id }</b>: { $price } per request{ $streams }. { $description }
    <code>{ $method } { $url }</code>
product-endpoint-streams = , may stream (server-sent events)
product-limits = Limits: { $requests } requests per { $seconds } s per account · request body up to { $bodySize } · the answer must begin within { $timeoutSeconds } s (else refunded).
product-example-curl = curl (key in KIKUAI_API_KEY):
product-example-sdk = SDK (Node 20+):
product-example-cli = CLI (after <code>kikuai login</code>):
product-docs = Docs: { $docsUrl }
product-not-found = There is no product called <b>{ $name }</b>. See /products.

help =
    <b>kikuai</b>: prepaid, metered access to our product APIs.

    /start: your account and first API key
    /api_key: your keys
    /regenerate_key: a new secret for a key
    /new_key name: another key, with its permissions
    /quickstart: your first call (curl, SDK, CLI)
    /balance: your balance
    /topup: add money with Telegram Stars
    /usage: your calls of the last days
    /history: every change of your balance
    /products, /product name: what you can call, and prices
    /paysupport: help with a payment
    /terms: terms of service
    /support: contact us
paysupport =
    <b>Payment support</b>
    Something wrong with a Stars payment? Write to { $contact } with the date and the amount. We answer within one business day; a payment that was not credited is credited or refunded.
terms =
    <b>Terms</b>
    Top-ups are prepaid credit for kikuai's APIs, charged per request at the prices in /products. Unused credit does not expire. Payments in Telegram Stars are final unless a payment was not credited; see /paysupport.
support = Questions or problems? Write to { $contact }.

unhandled = I did not understand that. Here is what I can do:
unhandled-button = This button has expired.

error-api-down = kikuai is briefly unavailable. Please try again in a minute.
error-api-unavailable = kikuai is briefly unavailable; nothing was charged. Please try again in { $seconds } s.
error-rate-limited = Too many requests. Please wait { $seconds } s and try again.
error-account-suspended = Your account is suspended. Contact /support.
error-too-many-keys = Your account holds as many API keys as it may. Revoke one you no longer use in the Mini App, then try again.
error-no-account = You have no account yet. Send /start to create it.
error-internal = Something went wrong on our side. Please try again; if it keeps happening, contact /support (reference { $requestId }).
error-telegram-busy = Telegram asks us to slow down. Please try again in { $seconds } s.

command-start = Your account and first API key
command-api-key = Your API keys
command-regenerate-key = A new secret for a key
command-new-key = Another API key
command-quickstart = Your first call
command-balance = Your balance
command-topup = Add money with Telegram Stars
command-usage = Your usage
command-history = Changes of your balance
command-products = Products and prices
command-help = What I can do
command-paysupport = Help with a payment
command-terms = Terms of service
command-support = Contact us

## history
# A line of the calls of one product on one UTC day, and the page of its single calls.
history-group =
    { $day } · <b>{ $product }</b>: { $calls } { $calls ->
        [one] call
       *[other] calls
    } <b>{ $amount }</b>
    { $from }–{ $to } UTC
history-calls-title = <b>{ $product }</b>, { $day }: single calls, page { $page }
history-call = { $time } · <b>{ $amount }</b> · { $reason }
history-calls-none = No calls on this page.
button-history-calls = 🔎 { $group }
button-history-back = ‹ History
