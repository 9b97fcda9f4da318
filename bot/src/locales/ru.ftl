## Бот kikuai, русский. Каждое сообщение есть и в en.ftl (это проверяет тест).
## Сообщения с HTML отправляются с parse_mode HTML; переменные экранирует код.

# Язык, на котором пишутся суммы (locale для formatUsd из SDK): 1 234,50 $.
money-locale = ru

start-created =
    Добро пожаловать в kikuai, { $name }!

    Ваш аккаунт готов. Вот ваш API-ключ:

    <code>{ $key }</code>

    ⚠️ Он показывается только один раз. Сохраните его в надёжном месте (менеджер паролей или переменная окружения, например KIKUAI_API_KEY) и никому не передавайте, затем нажмите кнопку ниже, чтобы удалить это сообщение. Потеряли? /regenerate_key выдаст новый.
start-credit = 🎁 На балансе <b>{ $amount }</b> бесплатного кредита: хватит на первые вызовы. /topup пополнит баланс.
start-no-credit = Ваш баланс 0,00 $. Следующий шаг: пополните его через /topup, затем сделайте вызов ниже.
start-returning =
    С возвращением, { $name }! Ваш аккаунт готов.
    Ключи перечислены в /api_key (их секреты больше не показываются); /regenerate_key заменит ключ, /new_key создаст ещё один.
start-returning-bot =
    С возвращением, { $name }! Ваш аккаунт готов.
    Секрет вашего первого ключа был показан здесь, в этом чате, когда вы впервые отправили /start. Секреты больше не показываются: /regenerate_key выдаст ключу новый, /new_key создаст ещё один ключ.
start-returning-miniapp =
    С возвращением, { $name }! Ваш аккаунт готов.
    Секрет вашего первого ключа был показан в мини-приложении, когда вы впервые его открыли. Секреты больше не показываются: /regenerate_key выдаст ключу новый, /new_key создаст ещё один ключ.
key-message-deleted = 🗑 Сообщение с ключом удалено. Вот ваш первый вызов ещё раз, с ключом из переменной KIKUAI_API_KEY:
quickstart =
    <b>Ваш первый вызов</b> · базовый URL <code>{ $baseUrl }</code>
    <pre>{ $curl }</pre>
    SDK (Node 20+, ключ в KIKUAI_API_KEY):
    <pre>{ $sdk }</pre>
    CLI (спросит ключ):
    <pre>{ $cli }</pre>
    Документация: { $docsUrl }
menu-title = Что вы хотите сделать?

button-balance = 💰 Баланс
button-topup = ⭐ Пополнить
button-keys = 🔑 API-ключи
button-usage = 📊 Расход
button-history = 📜 История
button-products = 🧩 Продукты
button-open-app = 📱 Открыть приложение
button-help = ❓ Помощь
button-menu = ☰ Меню
button-cancel = Отмена
button-open-private = Открыть личный чат
button-regenerate = 🔄 Перевыпустить ключ
button-create-key = Создать ключ
button-key-stored = ✅ Ключ сохранён: удалить это сообщение
button-confirm-rotate = Да, перевыпустить
button-newer = ‹ Новее
button-older = Старше ›
button-topup-amount = { $amount } · { $stars } ⭐

private-only = Данные аккаунта и ключи я показываю только в личном чате. Напишите мне напрямую.
private-only-short = Только в личном чате

balance-amount = Ваш баланс: <b>{ $amount }</b>
balance-empty = Ваш баланс 0,00 $. Следующий шаг: пополните его через /topup; /quickstart покажет первый вызов.
balance-low = ⚠️ Баланс заканчивается. Пополните его через /topup, чтобы вызовы API продолжали работать.
balance-suspended = ⛔ Ваш аккаунт заблокирован. Напишите в /support.

usage-title = <b>Расход за последние { $days } дн.</b> ({ $from } – { $to })
usage-row = • <b>{ $product }</b>: запросов { $requests }, неудачных { $errors } (возвращены), { $cost }
usage-total = Итого: запросов { $requests }, { $cost }
usage-empty = За последние { $days } дн. вызовов API не было. Ваш первый вызов: /quickstart.

history-title = <b>История</b>, страница { $page }
history-entry =
    { $time } · { $kind } <b>{ $amount }</b>
    { $reason } · баланс { $balance }
history-kind-credit = зачисление
history-kind-debit = списание
history-kind-refund = возврат
history-kind-adjustment = корректировка
history-kind-signup_credit = бонус за регистрацию
history-empty = История пока пуста. Следующий шаг: пополните баланс через /topup; /quickstart покажет первый вызов.
history-expired = Эта страница устарела; вот последняя.

keys-title = <b>Ваши API-ключи</b>
keys-entry =
    • <b>{ $name }</b> <code>{ $key }</code> ({ $status })
    последнее использование: { $lastUsed }
    права: { $permissions }
keys-never-used = никогда
keys-permissions-all = все
keys-permissions-none = никаких
keys-footer = Секрет показывается только один раз, при создании ключа. Потеряли? Перевыпустите ключ. Ещё один ключ: /new_key имя.
keys-empty = У вас нет активного API-ключа. Создайте его кнопкой ниже.
key-status-active = активен
key-status-disabled = отключён
key-status-expired = истёк
key-status-revoked = отозван

rotate-choose = Для какого ключа выпустить новый секрет?
rotate-confirm =
    Перевыпустить ключ <b>{ $name }</b> <code>{ $key }</code>?
    Вы получите новый секрет; { $when }
rotate-old-key-now = текущий сразу перестанет работать.
rotate-old-key-grace = текущий будет работать ещё { $minutes } мин.
rotate-confirm-create = У вас нет активного ключа. Создать новый?
rotate-in-progress = Выполняю…
rotate-confirmed = Готово: у ключа новый секрет.
rotate-done =
    Ваш новый API-ключ:

    <code>{ $key }</code>

    ⚠️ Показывается только один раз: сохраните его и обновите свои приложения.
rotate-key-gone = Этого ключа больше нет. Смотрите /api_key.
new-key-usage =
    Назовите новый ключ: <code>/new_key ci</code>. Добавьте, что ему можно, или выберите кнопкой:
    <code>full</code>: всё · <code>calls</code>: только вызывать продукты · <code>read</code>: только читать баланс и расход.
    Пример: <code>/new_key ci calls</code>
new-key-name-too-long = Имя ключа: не больше 64 символов.
new-key-choose = Что можно ключу <b>{ $name }</b>?
new-key-preset-full = Всё
new-key-preset-calls = Только вызывать продукты
new-key-preset-read = Только читать баланс и расход
new-key-done =
    Ваш новый ключ <b>{ $name }</b> (права: { $permissions }):

    <code>{ $key }</code>

    ⚠️ Показывается только один раз: сохраните его.
rotate-cancelled = Отменено. Ключ не изменился.

topup-choose = Сколько добавить? Оплата в Telegram Stars (от { $min } до { $max }; другая сумма: /topup 12.50).
topup-unavailable = Пополнение в Telegram сейчас недоступно. Попробуйте позже.
topup-out-of-range = Сумма пополнения должна быть от { $min } до { $max }.
topup-bad-amount = Не понял сумму. Попробуйте /topup 10 или /topup 12.50.
invoice-title = Баланс kikuai: { $amount }
invoice-description = Добавляет { $amount } на ваш баланс kikuai за { $stars } Telegram Stars.
invoice-label = Пополнение { $amount }

payment-declined = Этот счёт больше нельзя оплатить. Начните новое пополнение через /topup.
payment-declined-no-account = Сначала отправьте /start, затем пополните баланс снова.
payment-declined-unknown-invoice = Этот счёт не подходит для вашего аккаунта. Создайте новое пополнение: /topup.
payment-declined-not-pending = Этот счёт уже оплачен или устарел. Создайте новое пополнение: /topup.
payment-declined-wrong-currency = Этот счёт оплачивается только Telegram Stars.
payment-declined-wrong-amount = Сумма не совпадает со счётом. Создайте новое пополнение: /topup.
payment-unavailable = Платежи ненадолго недоступны. Деньги не списаны; попробуйте через минуту.
payment-delayed = Мы получили ваш платёж на { $stars } ⭐. Зачисление на баланс занимает больше времени, чем обычно; он будет зачислен, платить повторно не нужно. Вопросы: /paysupport
payment-credited =
    ✅ Платёж получен: { $stars } ⭐.
    На баланс зачислено <b>{ $amount }</b>. Новый баланс: <b>{ $balance }</b>.
payment-refused = Мы получили ваш платёж на { $stars } ⭐, но он не совпадает со счётом и не зачислен. Команда уже в курсе и разберётся; можно также написать в /paysupport.
payment-over-limit = Ваш платёж на { $stars } ⭐ поднял бы баланс выше его предела, поэтому он не зачислен. Мы вернём его вам; вопросы: /paysupport

## products
products-title = <b>Продукты</b>
products-entry =
    • <b>{ $name }</b> (<code>{ $id }</code>), { $status }
    { $description }
products-footer = Цены и эндпоинты: /product название, или нажмите на продукт.
products-empty = Продуктов пока нет.
product-status-live = доступен
product-status-soon = скоро
product-title = <b>{ $name }</b> ({ $status })
product-endpoint =
    <b>{ $id }</b>: { $price } за запрос{ $streams }. { $description }
    <code>{ $method } { $url }</code>
product-endpoint-streams = , может отвечать потоком (server-sent events)
product-limits = Лимиты: { $requests } запросов за { $seconds } с на аккаунт · тело запроса до { $bodySize } · ответ должен начаться за { $timeoutSeconds } с (иначе деньги возвращаются).
product-example-curl = curl (ключ в KIKUAI_API_KEY):
product-example-sdk = SDK (Node 20+):
product-example-cli = CLI (после <code>kikuai login</code>):
product-docs = Документация: { $docsUrl }
product-not-found = Продукта <b>{ $name }</b> нет. Смотрите /products.

help =
    <b>kikuai</b>: предоплаченный доступ к нашим API с оплатой за запрос.

    /start: ваш аккаунт и первый API-ключ
    /api_key: ваши ключи
    /regenerate_key: новый секрет ключа
    /new_key имя: ещё один ключ, с его правами
    /quickstart: первый вызов (curl, SDK, CLI)
    /balance: ваш баланс
    /topup: пополнить через Telegram Stars
    /usage: ваши вызовы за последние дни
    /history: все изменения баланса
    /products, /product название: что можно вызывать и цены
    /paysupport: помощь с платежом
    /terms: условия использования
    /support: связаться с нами
paysupport =
    <b>Поддержка платежей</b>
    Проблема с оплатой в Stars? Напишите на { $contact }, указав дату и сумму. Мы отвечаем в течение рабочего дня; незачисленный платёж зачисляется или возвращается.
terms =
    <b>Условия</b>
    Пополнения — это предоплата за API kikuai, списываемая за каждый запрос по ценам из /products. Неиспользованный баланс не сгорает. Платежи в Telegram Stars не возвращаются. Исключение — платёж, который не дошёл до баланса: такой мы вернём, напишите в /paysupport.
support = Вопросы или проблемы? Пишите на { $contact }.

unhandled = Я не понял. Вот что я умею:
unhandled-button = Эта кнопка устарела.

error-api-down = kikuai ненадолго недоступен. Попробуйте через минуту.
error-api-unavailable = kikuai ненадолго недоступен, деньги не списаны. Попробуйте через { $seconds } с.
error-rate-limited = Слишком много запросов. Подождите { $seconds } с и попробуйте снова.
error-account-suspended = Ваш аккаунт заблокирован. Напишите в /support.
error-too-many-keys = У аккаунта уже столько API-ключей, сколько можно. Отзовите ненужный в мини-приложении и попробуйте снова.
error-no-account = У вас ещё нет аккаунта. Отправьте /start, чтобы создать его.
error-internal = Что-то пошло не так на нашей стороне. Попробуйте ещё раз; если повторится, напишите в /support (код { $requestId }).
error-telegram-busy = Telegram просит нас притормозить. Попробуйте через { $seconds } с.

command-start = Ваш аккаунт и первый API-ключ
command-api-key = Ваши API-ключи
command-regenerate-key = Новый секрет ключа
command-new-key = Ещё один API-ключ
command-quickstart = Ваш первый вызов
command-balance = Ваш баланс
command-topup = Пополнить через Telegram Stars
command-usage = Ваш расход
command-history = Изменения баланса
command-products = Продукты и цены
command-help = Что я умею
command-paysupport = Помощь с платежом
command-terms = Условия использования
command-support = Связаться с нами

## history
# Строка вызовов одного продукта за один день (UTC) и страница отдельных вызовов.
history-group =
    { $day } · <b>{ $product }</b>: { $calls } { $calls ->
        [one] вызов
        [few] вызова
       *[many] вызовов
    } <b>{ $amount }</b>
    { $from }–{ $to } UTC
history-calls-title = <b>{ $product }</b>, { $day }: отдельные вызовы, страница { $page }
history-call = { $time } · <b>{ $amount }</b> · { $reason }
history-calls-none = На этой странице вызовов нет.
button-history-calls = 🔎 { $group }
button-history-back = ‹ История
