"""The help articles the product ships: answers to the questions customers ask most (Polish and English).

Each entry: a key, the ticket category it belongs to (or None), and per language the title, the
keywords and the Markdown body. A line ``[[opening-hours]]`` in a body is replaced on the page by
the contact centre's opening hours, read from its calendar (so the article never goes stale).
"""
from __future__ import annotations

OPENING_HOURS_MARK = "[[opening-hours]]"

ARTICLES = [
    {
        "key": "reset-password",
        "category": "technical-support",
        "pl": {
            "title": "Nie pamiętam hasła — jak ustawić nowe",
            "keywords": "hasło, zapomniałem hasła, reset hasła, nowe hasło, logowanie, nie mogę się zalogować",
            "body": """Nowe hasło ustawisz samodzielnie, bez dzwonienia do nas.

1. Na stronie logowania wybierz **„Nie pamiętam hasła”**.
2. Wpisz numer klienta albo adres e-mail, którego używasz do logowania.
3. Otwórz wiadomość, którą od nas dostaniesz, i kliknij link. Link działa przez ograniczony czas
   i tylko raz.
4. Ustaw nowe hasło: długie, którego nie używasz nigdzie indziej.

**Wiadomość nie przyszła?** Zajrzyj do folderu spam i sprawdź, czy podajesz ten sam adres e-mail,
który jest zapisany na koncie. Po kilku minutach możesz poprosić o link jeszcze raz — ważny jest
zawsze tylko najnowszy.

**Hasło jest poprawne, a logowanie nie działa?** Sprawdź, czy nie jest włączony Caps Lock, spróbuj
innej przeglądarki albo wyczyść jej pamięć podręczną i pliki cookie.

Nigdy nie prosimy o podanie hasła w e-mailu, SMS-ie ani przez telefon.""",
        },
        "en": {
            "title": "I forgot my password: how to set a new one",
            "keywords": "password, forgot password, reset password, new password, log in, cannot log in",
            "body": """You can set a new password yourself, without calling us.

1. On the login page choose **"Forgot password"**.
2. Enter your customer number or the e-mail address you log in with.
3. Open the message we send you and follow the link. It works for a limited time, and only once.
4. Choose a new password: a long one that you use nowhere else.

**No message?** Look in your spam folder and check that you typed the e-mail address stored on
your account. After a few minutes you can ask for a new link; only the newest one works.

**The password is right but logging in still fails?** Check that Caps Lock is off, try another
browser, or clear the browser's cache and cookies.

We never ask for your password by e-mail, text message or phone.""",
        },
    },
    {
        "key": "locked-account",
        "category": "technical-support",
        "pl": {
            "title": "Konto zablokowane — jak je odblokować",
            "keywords": "blokada konta, zablokowane konto, konto zablokowane, odblokować, nieudane logowanie",
            "body": """Konto blokuje się samo po kilku nieudanych próbach logowania albo gdy zauważymy
podejrzaną aktywność. To ochrona Twoich pieniędzy i danych.

- Jeśli blokada pojawiła się po kilku błędnych hasłach, **ustaw nowe hasło** przez „Nie pamiętam hasła”
  i zaloguj się ponownie.
- Jeśli widzisz komunikat, że konto zablokowaliśmy my, zadzwoń na infolinię. Konsultant sprawdzi
  Twoją tożsamość i odblokuje konto. Przygotuj numer PESEL i numer umowy.

Jeśli konto zablokowało się, choć nikt z Twojej strony nie próbował się logować, ktoś mógł
poznać Twój login. Zmień hasło i powiedz o tym konsultantowi.""",
        },
        "en": {
            "title": "My account is locked: how to unlock it",
            "keywords": "account locked, locked out, blocked account, unlock, failed login",
            "body": """An account locks itself after several failed login attempts, or when we notice
suspicious activity. It protects your money and your data.

- If it locked after a few wrong passwords, **set a new password** with "Forgot password" and log
  in again.
- If the message says we locked the account, call the helpline. An agent checks who you are and
  unlocks it. Have your PESEL and contract number ready.

If you did not try to log in and the account still locked, someone may know your login. Change
your password and tell the agent.""",
        },
    },
    {
        "key": "repayment-schedule",
        "category": "loan-terms",
        "pl": {
            "title": "Terminy spłaty i harmonogram rat",
            "keywords": "spłata, termin spłaty, harmonogram, rata, raty, kiedy zapłacić, przedłużenie terminu",
            "body": """Daty i kwoty wszystkich rat są w **harmonogramie spłaty**: znajdziesz go w Strefie
Klienta przy swojej umowie, a także w dokumentach umowy.

- Wpłać ratę tak, by pieniądze dotarły do nas **najpóźniej w dniu terminu**. Przelew z innego
  banku może iść do następnego dnia roboczego, a w weekend i święta dłużej.
- W tytule przelewu podaj numer umowy — wtedy od razu przypiszemy wpłatę.
- Wpłata jest widoczna w Strefie Klienta zwykle w ciągu jednego dnia roboczego.

**Nie zdążysz zapłacić?** Skontaktuj się z nami przed terminem. Możemy omówić przesunięcie terminu
albo plan spłaty; po terminie naliczane są odsetki za opóźnienie.""",
        },
        "en": {
            "title": "Repayment dates and the schedule",
            "keywords": "repayment, due date, schedule, instalment, when to pay, extend the due date",
            "body": """The dates and amounts of all your instalments are in the **repayment schedule**:
you find it in the customer zone next to your contract, and in the contract documents.

- Pay so that the money reaches us **on the due date at the latest**. A transfer from another bank
  can take until the next working day, longer over weekends and holidays.
- Put your contract number in the transfer title, so we match the payment at once.
- A payment shows in the customer zone usually within one working day.

**Cannot pay in time?** Contact us before the due date. We can talk about moving the date or a
repayment plan; after the due date, late interest is charged.""",
        },
    },
    {
        "key": "personal-data",
        "category": "personal-data",
        "pl": {
            "title": "Zmiana danych osobowych: adres, telefon, konto bankowe",
            "keywords": "zmiana danych, dane osobowe, zmiana adresu, nowy numer telefonu, zmiana e-maila, rachunek bankowy",
            "body": """Adres, numer telefonu i adres e-mail zmienisz samodzielnie w **Strefie Klienta**, w
ustawieniach konta. Zmiana działa od razu.

Niektóre zmiany wymagają potwierdzenia tożsamości:

- **numer rachunku bankowego** — potwierdzasz go przelewem weryfikacyjnym z nowego rachunku;
- **nazwisko lub numer dowodu** — prześlij nam skan dokumentu przez formularz kontaktowy
  (PDF albo JPG).

Pamiętaj, by podawać nam aktualny telefon i e-mail: na nie wysyłamy przypomnienia o spłacie
i linki do zmiany hasła.""",
        },
        "en": {
            "title": "Changing your personal details: address, phone, bank account",
            "keywords": "change details, personal data, change address, new phone number, change e-mail, bank account",
            "body": """You change your address, phone number and e-mail address yourself in the **customer
zone**, in the account settings. The change applies at once.

Some changes need your identity confirmed:

- **bank account number**: confirm it with a verification transfer from the new account;
- **surname or ID document number**: send us a scan of the document through the contact form
  (PDF or JPG).

Keep your phone and e-mail up to date: we send repayment reminders and password reset links there.""",
        },
    },
    {
        "key": "verification-transfer",
        "category": "technical-support",
        "pl": {
            "title": "Przelew weryfikacyjny — po co i jak go zrobić",
            "keywords": "przelew weryfikacyjny, weryfikacja, 1 grosz, potwierdzenie tożsamości, weryfikacja konta",
            "body": """Przelewem weryfikacyjnym potwierdzasz, że rachunek bankowy należy do Ciebie. To
symboliczna kwota (np. 1 grosz), którą zwracamy.

1. Zrób przelew **z własnego rachunku**, na którym chcesz otrzymywać pieniądze — nie z konta
   innej osoby ani firmy.
2. Przepisz dokładnie numer rachunku, kwotę i tytuł podane w Strefie Klienta.
3. Poczekaj na zaksięgowanie: zwykle do jednego dnia roboczego.

**Weryfikacja się nie udała?** Najczęściej dane właściciela rachunku różnią się od danych we
wniosku albo tytuł przelewu był inny. Napisz do nas przez formularz i dołącz potwierdzenie
przelewu (PDF) — sprawdzimy to ręcznie.""",
        },
        "en": {
            "title": "The verification transfer: why and how",
            "keywords": "verification transfer, verification, 1 grosz, confirm identity, account verification",
            "body": """A verification transfer confirms that a bank account is yours. It is a token amount
(such as 1 grosz), which we pay back.

1. Send it **from your own account**, the one you want to receive money on, not from someone
   else's or a company's.
2. Copy the account number, amount and title shown in the customer zone exactly.
3. Wait for it to be booked: usually up to one working day.

**Verification failed?** Most often the account holder's name differs from the application, or
the transfer title was different. Write to us through the contact form with the transfer
confirmation (PDF) attached, and we check it by hand.""",
        },
    },
    {
        "key": "helpline-hours",
        "category": None,
        "pl": {
            "title": "Kiedy działa infolinia",
            "keywords": "infolinia, godziny otwarcia, godziny pracy, telefon, kiedy dzwonić, niedziela handlowa",
            "body": """Konsultanci odbierają telefony w godzinach podanych poniżej (czas polski).

[[opening-hours]]

Najkrócej czekasz w dni robocze **między 12:00 a 16:00**. Najwięcej osób dzwoni w poniedziałki
rano i po 17:00.

Poza godzinami pracy napisz do nas przez formularz kontaktowy albo e-mail: odpowiadamy zwykle
w ciągu 24 godzin w dni robocze.""",
        },
        "en": {
            "title": "When the helpline is open",
            "keywords": "helpline, opening hours, phone, when to call, trading Sunday",
            "body": """Agents answer the phone at the hours below (Polish time).

[[opening-hours]]

The wait is shortest on working days **between 12:00 and 16:00**. Most people call on Monday
mornings and after 17:00.

Outside these hours, write to us through the contact form or by e-mail: we answer usually within
24 hours on working days.""",
        },
    },
    {
        "key": "before-calling",
        "category": None,
        "pl": {
            "title": "Co przygotować przed rozmową z konsultantem",
            "keywords": "przed rozmową, PESEL, numer umowy, numer pożyczki, weryfikacja, telefon, przygotować",
            "body": """Rozmowa będzie krótsza, jeśli masz pod ręką:

- **numer PESEL** — po nim potwierdzamy, że rozmawiamy z Tobą;
- **numer umowy lub pożyczki**;
- **adres e-mail i telefon** zapisane na Twoim koncie;
- przy pytaniach o wpłatę: **datę i kwotę** ostatniej spłaty;
- przy problemie technicznym: **dokładną treść błędu**, przeglądarkę i system (np. Chrome na
  Androidzie) oraz godzinę, o której błąd się pojawił.

Zapisz sobie pytania, które chcesz zadać. Pisząc przez formularz, podaj te same dane — nie
musimy wtedy o nie dopytywać.""",
        },
        "en": {
            "title": "What to have ready before you call",
            "keywords": "before calling, PESEL, contract number, loan number, verification, phone, prepare",
            "body": """The call is shorter when you have at hand:

- **your PESEL**: we use it to confirm we are talking to you;
- **your contract or loan number**;
- **the e-mail address and phone number** on your account;
- for a question about a payment: **the date and amount** of your last repayment;
- for a technical problem: **the exact error message**, your browser and system (such as Chrome
  on Android) and the time the error appeared.

Write down the questions you want to ask. When you use the contact form, give the same details,
so we need not ask for them.""",
        },
    },
]
