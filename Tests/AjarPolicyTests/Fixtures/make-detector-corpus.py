#!/usr/bin/env python3
"""Writes detector-corpus.jsonl: labelled snippets for the detector precision/recall test.

Each line is {"text": ..., "spans": [{"class": ..., "value": ...}], "note": ...}. A snippet with no
spans is a hard negative. Values are synthetic: card numbers and IBANs are generated with valid
checksums, phone numbers use reserved fiction ranges (555-01xx, Ofcom 7946/7700 900), keys are random.
Run from this directory: python3 make-detector-corpus.py > detector-corpus.jsonl
Deterministic (seeded), so the file only changes when this script does.
"""
import json
import random
import string
import base64

rng = random.Random(5)
out = []


def add(text, spans=(), note=""):
    for cls, value in spans:
        assert value in text, (value, text)
    out.append({"text": text, "spans": [{"class": c, "value": v} for c, v in spans], "note": note})


def digits(n):
    return "".join(rng.choice(string.digits) for _ in range(n))


def luhn_digit(body):
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def card(prefix, length):
    body = prefix + digits(length - len(prefix) - 1)
    return body + luhn_digit(body)


def bad_luhn(number):
    last = int(number[-1])
    return number[:-1] + str((last + rng.randint(1, 9)) % 10)


def group(number, sizes, sep):
    parts, i = [], 0
    for s in sizes:
        parts.append(number[i:i + s])
        i += s
    if i < len(number):
        parts.append(number[i:])
    return sep.join(parts)


def iban(country, bban):
    rearranged = bban + country + "00"
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    check = 98 - int(numeric) % 97
    return f"{country}{check:02d}{bban}"


def iban_grouped(value):
    return " ".join(value[i:i + 4] for i in range(0, len(value), 4))


def token(n, alphabet=string.ascii_letters + string.digits):
    while True:
        t = "".join(rng.choice(alphabet) for _ in range(n))
        if any(c.isdigit() for c in t) and any(c.isalpha() for c in t):
            return t


def b64url(obj):
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


first = ["ada", "grace", "linus", "margaret", "alan", "edsger", "barbara", "ken", "dennis", "frances", "john", "radia"]
last = ["lovelace", "hopper", "torvalds", "hamilton", "turing", "dijkstra", "liskov", "thompson", "ritchie", "allen"]
domains = ["example.com", "example.org", "mail.example.co.uk", "corp.example.de", "uni-example.edu", "example.io"]

# --- email -------------------------------------------------------------------------------------
email_templates = [
    "Please reply to {v} by Friday.", "Contact: {v}", "From: Ada <{v}>", "cc {v}, thanks!",
    "My address is {v}.", "Send the invoice to {v}; they handle billing.", "(primary: {v})",
    "user={v}&action=reset", "mailto:{v}", "\"email\": \"{v}\"",
]
for k in range(40):
    local = rng.choice(first) + rng.choice([".", "_", "", "+news."]) + rng.choice(last)
    if k % 5 == 0:
        local += str(rng.randint(1, 99))
    value = f"{local}@{rng.choice(domains)}"
    if k % 7 == 3:
        value = value.upper()
    add(rng.choice(email_templates).format(v=value), [("email", value)], "email")

for text in [
    "ssh to git@localhost and pull", "Ping @channel when the deploy is done", "Use the @Sendable attribute",
    "name@domain is a placeholder, not an address", "npm install @types/node@20.1.0",
    "The decorator is @dataclass(frozen=True)", "foo@bar.c is not a valid address", "Price: 5 @ $3.99 each",
    "Weekly sync @ 10:30 in room B", "@ada@ is how the bot marks mentions", "pip install package@1.2.3",
    "a@b is too short to be an email",
]:
    add(text, [], "email negative")

# --- phone -------------------------------------------------------------------------------------
phones = []
for _ in range(6):
    phones.append(f"+44 20 7946 0{digits(3)}")
    phones.append(f"+1 415 555 01{digits(2)}")
    phones.append(f"({rng.choice(['212', '415', '617', '312'])}) 555-01{digits(2)}")
    phones.append(f"{rng.choice(['212', '415', '617', '303'])}-555-01{digits(2)}")
phones += [
    "+14155550123", "+447700900123", "+49 30 12345678", "+33 1 23 45 67 89", "+61 2 9876 5432",
    "+1 (415) 555-0142", "+44 (0)20 7946 0958", "415.555.0199", "1-800-555-0199", "020 7946 0958",
    "07700 900456", "030 12345678", "089 1234567", "01 23 45 67 89", "01.23.45.67.89", "06-12345678",
    "0161 496 0000", "+81 3-1234-5678", "+91 98765 43210", "+353 1 234 5678",
]
phone_templates = [
    "Call me on {v} after 6pm.", "Tel: {v}", "phone={v}", "You can reach the front desk at {v}.",
    "Mobile {v} (WhatsApp too)", "Emergency contact: {v}", "Ring {v}, ask for Grace.",
]
for value in phones:
    add(rng.choice(phone_templates).format(v=value), [("phone", value)], "phone")

for text in [
    "Released on 2024-01-15 at 12:30:45.", "Invoice 2023-0042-117 is overdue", "ISBN 978-3-16-148410-0",
    "ISBN 0-306-40615-2 (paperback)", "Version 10.0.19041.1 is installed", "Order 5551234567 was shipped",
    "Tracking number 1Z999AA10123456784", "Population: 8 336 817 (2019)", "The meeting is 14:00-15:30",
    "Call extension 4521 for support", "Room 101, floor 3", "Dates: 01.02.2024 to 15.03.2024",
    "Build 2024.01.15.1234 passed", "Coordinates 51.5074, -0.1278", "Total 1,234,567.89 EUR",
    "SSN-like 123-45-6789 is not a phone", "Serial 0000 1111 2222", "Ticket #00012345 closed",
    "Step 1 2 3 4 5 6 7 8 9 10", "ratio 3:2:1 and 16:9",
]:
    spans = [("ssn", "123-45-6789")] if "123-45-6789" in text else []
    add(text, spans, "phone negative")

# --- payment_card ------------------------------------------------------------------------------
card_specs = [("4", 16, [4, 4, 4, 4]), ("51", 16, [4, 4, 4, 4]), ("55", 16, [4, 4, 4, 4]),
              ("2221", 16, [4, 4, 4, 4]), ("34", 15, [4, 6, 5]), ("37", 15, [4, 6, 5]),
              ("6011", 16, [4, 4, 4, 4]), ("65", 16, [4, 4, 4, 4]), ("3530", 16, [4, 4, 4, 4]),
              ("4", 13, [13]), ("36", 14, [4, 6, 4])]
card_templates = [
    "Card number {v}, expiry 12/27.", "Please charge {v} for the order.", "cc: {v}", "PAN={v}",
    "I paid with {v} yesterday but it was declined.", "\"card\": \"{v}\"", "Visa/MC {v} exp 09/26 cvv 123",
]
for k in range(40):
    prefix, length, sizes = card_specs[k % len(card_specs)]
    number = card(prefix, length)
    style = k % 3
    value = number if style == 0 or len(sizes) == 1 else group(number, sizes, " " if style == 1 else "-")
    add(rng.choice(card_templates).format(v=value), [("payment_card", value)], "payment_card")

for k in range(16):
    prefix, length, sizes = card_specs[k % len(card_specs)]
    number = bad_luhn(card(prefix, length))
    value = number if k % 2 == 0 else group(number, sizes, " ")
    add(rng.choice(["Order #{v} has shipped.", "Reference {v}", "Your confirmation code is {v}."]).format(v=value),
        [], "payment_card negative: fails Luhn")
for text in [
    "Timestamp 1700000000123 in ms", "Unix time 1700000000", "Account 1234567890123456 (internal)",
    "UUID 123e4567-e89b-12d3-a456-426614174000", "Shipment 0000000000000000 placeholder",
    "Barcode 4006381333931 on the box", "Tracking 9400111899223197428490", "Hash 3f2a9c1e8b7d6a5f4e3d2c1b0a998877",
    "Phone 020 7946 0958 is not a card",
]:
    spans = [("phone", "020 7946 0958")] if "020 7946 0958" in text else []
    add(text, spans, "payment_card negative")

# --- iban --------------------------------------------------------------------------------------
def iban_value(country):
    if country == "DE":
        return iban("DE", digits(18))
    if country == "GB":
        return iban("GB", "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + digits(14))
    if country == "FR":
        return iban("FR", digits(23))
    if country == "NL":
        return iban("NL", "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + digits(10))
    if country == "ES":
        return iban("ES", digits(20))
    if country == "IT":
        return iban("IT", rng.choice(string.ascii_uppercase) + digits(22))
    if country == "CH":
        return iban("CH", digits(17))
    return iban("BE", digits(12))


iban_templates = [
    "Please transfer the deposit to IBAN {v}.", "IBAN: {v}", "Bankverbindung {v} (Sparkasse)",
    "Wire to {v}, reference INV-2024-17.", "\"iban\": \"{v}\"", "Refund account {v}",
]
countries = ["DE", "GB", "FR", "NL", "ES", "IT", "CH", "BE"]
for k in range(32):
    value = iban_value(countries[k % len(countries)])
    if k % 2 == 1:
        value = iban_grouped(value)
    add(rng.choice(iban_templates).format(v=value), [("iban", value)], "iban")
add("Test IBAN DE89 3704 0044 0532 0130 00 from the docs", [("iban", "DE89 3704 0044 0532 0130 00")], "iban")
add("GB82WEST12345698765432 is the classic example", [("iban", "GB82WEST12345698765432")], "iban")

for text in [
    "IBAN DE00 3704 0044 0532 0130 00 has a bad check", "DE89370400440532013001 (typo)",
    "Part number AB12CDEF3456 in stock", "Flight LH2024 departs 09:40", "Model XC90 and ID4 compared",
    "SKU GB12ABCD34567890123456", "Product code FR76-3000-6000", "Ticket NL91 not found",
]:
    add(text, [], "iban negative")

# --- ssn ---------------------------------------------------------------------------------------
ssn_templates = ["SSN {v}", "Social security number: {v}.", "My SSN is {v}, please keep it private.",
                 "ssn={v}", "Applicant SSN {v} verified"]
for k in range(24):
    area = rng.choice([n for n in range(1, 900) if n != 666])
    value = f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
    if k % 6 == 5:
        value = value.replace("-", " ")
    add(rng.choice(ssn_templates).format(v=value), [("ssn", value)], "ssn")

for text in [
    "SSN 000-12-3456 is invalid", "SSN 666-12-3456 is never issued", "987-65-4321 is an advertising number",
    "SSN 123-00-4567 has group 00", "SSN 123-45-0000 has serial 0000", "Part 123-45-6789-01 in catalogue",
    "Date 2024-01-15", "Range 100-20-3000 units", "Phone 212-555-0123 is not an SSN",
    "Code 12-345-6789", "Lot 1234-56-789 received",
]:
    spans = [("phone", "212-555-0123")] if "212-555-0123" in text else []
    add(text, spans, "ssn negative")

# --- ip_address --------------------------------------------------------------------------------
ip_templates = ["Server {v} is down.", "Connect to {v}:8443", "client_ip={v}", "Blocked {v} after 5 attempts",
                "ping {v}", "Allowlist: {v}", "X-Forwarded-For: {v}"]
ips = [f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}" for _ in range(20)]
ips += ["10.0.0.1", "192.168.1.10", "172.16.254.3", "8.8.8.8",
        "2001:db8::8a2e:370:7334", "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "fe80::1ff:fe23:4567:890a",
        "2001:db8:0:0:1:0:0:1", "::ffff:192.0.2.128", "2606:4700:4700::1111", "2001:db8:85a3::8a2e:370:7334",
        "fd12:3456:789a:1::1"]
for value in ips:
    add(rng.choice(ip_templates).format(v=value), [("ip_address", value)], "ip_address")
add("Listen on [2001:db8::1]:443 and 127.0.0.1:8080",
    [("ip_address", "2001:db8::1"), ("ip_address", "127.0.0.1")], "ip_address")

for text in [
    "Upgrade to version 1.2.3.4 today", "Swift 6.3.1 and Xcode 16.2", "v2.10.4 released", "256.1.1.1 is out of range",
    "192.168.1 is incomplete", "Use std::vector and std::map", "slice a[1::2] in Python", "Meet at 12:30:45",
    "MAC 00:1A:2B:3C:4D:5E", "pi is 3.14159", "Section 4.2.1.3.7 of the spec", "release 10.0.0.1 notes",
    "Build 1.0.0.0-beta", "ratio 1.5:2.5", "hash deadbeef:cafebabe", "Namespace Foo::Bar::Baz",
    "sha 3f2a9c1e", "Time 23:59:59.999",
]:
    add(text, [], "ip_address negative")

# --- secret ------------------------------------------------------------------------------------
upper_digits = string.ascii_uppercase + string.digits
urlsafe = string.ascii_letters + string.digits + "-_"
secrets = []
for _ in range(4):
    secrets.append("AKIA" + "".join(rng.choice(upper_digits) for _ in range(16)))
    secrets.append("sk-proj-" + token(48, urlsafe))
    secrets.append("sk-ant-api03-" + token(80, urlsafe) + "AA")
    secrets.append("AIza" + token(35, urlsafe))
    secrets.append("ghp_" + token(36))
secrets.append("ASIA" + "".join(rng.choice(upper_digits) for _ in range(16)))
secrets.append("github_pat_" + token(22) + "_" + token(59))
secrets.append("sk-" + token(48))
secrets.append("gho_" + token(36))
secrets.append("sk_live_" + token(24))
secrets.append("xoxb-" + digits(12) + "-" + digits(12) + "-" + token(24))
for _ in range(4):
    jwt = b64url({"alg": "HS256", "typ": "JWT"}) + "." + b64url({"sub": digits(10), "name": rng.choice(first), "iat": 1516239022}) + "." + token(43, urlsafe)
    secrets.append(jwt)
secret_templates = ["export OPENAI_API_KEY={v}", "My key is {v} - why does it fail?", "Authorization: Bearer {v}",
                    "aws_access_key_id = {v}", "\"api_key\": \"{v}\"", "token: {v}", "Use {v} for the CI job."]
for value in secrets:
    add(rng.choice(secret_templates).format(v=value), [("secret", value)], "secret")
pem_body = "\n".join(token(64, string.ascii_letters + string.digits + "+/") for _ in range(4))
for label in ["RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY"]:
    pem = f"-----BEGIN {label}-----\n{pem_body}\n-----END {label}-----"
    add(f"Here is the deploy key:\n{pem}\nplease rotate it", [("secret", pem)], "secret")

for text in [
    "We use sk-learn for the baseline model", "The task-manager-2024 service restarted", "AKIA is the prefix of AWS keys",
    "JWTs start with eyJhbGciOi but this one is cut", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
    "-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n-----END PUBLIC KEY-----", "ghp_short is not a token", "Set OPENAI_API_KEY=sk-... first",
    "risk-assessment-framework-for-enterprise-use", "ask-the-team-before-merging-anything-please", "AIza is how Google keys start",
    "The variable is named github_pat_placeholder", "sk-this-is-not-a-real-key-at-all-really", "skeleton-key-pattern-in-docs-v2",
    "desk-booking-system-2024-version", "xoxb- tokens are Slack bot tokens", "A-KIA-ABCDEFGHIJKLMNOP", "AKIAEXAMPLE",
]:
    add(text, [], "secret negative")

# --- general hard negatives and mixed ---------------------------------------------------------
for text in [
    "The quick brown fox jumps over the lazy dog.", "Meeting notes: discussed Q3 roadmap and hiring.",
    "Compile with swift build -c release --product ajar", "for i in 0..<10 { print(i) }",
    "SELECT id, name FROM users WHERE created_at > '2024-01-01';", "Colour #ff00aa on #112233",
    "Postcode SW1A 1AA and ZIP 90210", "Chapter 3, pages 120-145", "Temperature 21.5 °C, humidity 40 %",
    "HTTP/1.1 200 OK", "commit 3f2a9c1e8b7d6a5f4e3d2c1b0a9988776655443", "Résumé of Zoë Ångström, München",
    "日本語のテキストと数字 12345", "Wi-Fi password is in the shared vault", "Flight BA 117 at gate 23",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit.", "Score 98-87 final", "1 + 1 = 2; 2 * 3 = 6",
    "Invoice total: $12,345.67 due 30/06/2024", "Kubernetes v1.29.3 with containerd 1.7.13",
]:
    add(text, [], "general negative")

mixed = []
for _ in range(10):
    e = f"{rng.choice(first)}.{rng.choice(last)}@{rng.choice(domains)}"
    p = f"+44 20 7946 0{digits(3)}"
    c = group(card("4", 16), [4, 4, 4, 4], " ")
    add(f"Customer {e} (tel {p}) paid with {c}.", [("email", e), ("phone", p), ("payment_card", c)], "mixed")
for _ in range(6):
    i = iban_grouped(iban_value("DE"))
    ip = f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    k = "ghp_" + token(36)
    add(f"Login from {ip} used token {k}; refund to {i}.", [("ip_address", ip), ("secret", k), ("iban", i)], "mixed")

# --- written after the detectors were tuned on the above, kept to measure unseen cases ---------
for text, spans in [
    ("Kindly call our Paris office on +33 1 42 68 53 00 or write to contact@example.fr.",
     [("phone", "+33 1 42 68 53 00"), ("email", "contact@example.fr")]),
    ("Kontakt: Tel. 089 12345678, E-Mail max.mustermann@example.de",
     [("phone", "089 12345678"), ("email", "max.mustermann@example.de")]),
    ("The server at 203.0.113.45 returned HTTP 503 at 2024-03-01T08:15:00Z", [("ip_address", "203.0.113.45")]),
    ("git clone https://github.com/apple/swift.git --branch release/6.3", []),
    ("Docker image nginx:1.25.3-alpine pulled in 4.2s", []),
    ("Meeting ID: 845 2291 0733, passcode 991122", []),
    ("The patient (DOB 04/07/1986) was seen on 12.03.2024", []),
    ("Lat/long 40.7128, -74.0060; elevation 10 m", []),
    ("Use port 5432 on db-01.internal; timeout 30s", []),
    ("AWS key AKIA2E3F4G5H6J7K8L9M leaked in the logs", [("secret", "AKIA2E3F4G5H6J7K8L9M")]),
    ("curl -H 'x-api-key: sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe' https://api.example.com",
     [("secret", "sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe")]),
    ("Pay 12.99 EUR to DE44 5001 0517 5407 3249 31 by Friday", [("iban", "DE44 5001 0517 5407 3249 31")]),
    ("Amex 3714 496353 98431 on file", [("payment_card", "3714 496353 98431")]),
    ("Mastercard 5105 1051 0510 5100 declined", [("payment_card", "5105 1051 0510 5100")]),
    ("Order total 1234 5678 9012 3456 units shipped", []),
    ("IPv6 gateway fe80::a00:27ff:fe4e:66a1%eth0", [("ip_address", "fe80::a00:27ff:fe4e:66a1")]),
    ("SSN: 219-09-9999 (sample from an old brochure)", [("ssn", "219-09-9999")]),
    ("Catalogue no. 555-12-3456-B", []),
    ("Copyright 2001-2024, all rights reserved", []),
    ("Phone: +1-202-555-0173 (office)", [("phone", "+1-202-555-0173")]),
    ("Heights 1.80 1.75 1.92 1.68 m", []),
    ("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", []),
    ("JWT in cookie: session=eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJleGFtcGxlIiwiZXhwIjoxNzAwMDAwMDAwfQ.TWFkZVVwU2lnbmF0dXJlVmFsdWU",
     [("secret", "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJleGFtcGxlIiwiZXhwIjoxNzAwMDAwMDAwfQ.TWFkZVVwU2lnbmF0dXJlVmFsdWU")]),
    ("Reach me at jane_doe+test@sub.example.co.uk or 07700 900077", [("email", "jane_doe+test@sub.example.co.uk"), ("phone", "07700 900077")]),
    ("ISBN-13: 978-0-13-110362-7", []),
    ("Invoice INV-2024-000123 for 4 licences", []),
]:
    add(text, spans, "unseen")

for line in out:
    print(json.dumps(line, ensure_ascii=False))
