import AjarCore
import Foundation
import Testing

@testable import AjarStore

@Suite("Budgets, periods, secrets and URLs")
struct ModelTests {
    @Test(
        "budget text parses to exact micro-USD",
        arguments: [
            ("50/month", Budget(amountMicros: 50_000_000, period: .month)),
            ("12.5/day", Budget(amountMicros: 12_500_000, period: .day)),
            ("0.000001/day", Budget(amountMicros: 1, period: .day)),
            ("0/month", Budget(amountMicros: 0, period: .month)),
        ])
    func budgetParsing(text: String, expected: Budget) {
        #expect(Budget(parsing: text) == expected)
    }

    @Test(
        "malformed budget text is refused",
        arguments: [
            "", "50", "50/week", "-5/day", "1.0000001/day", "1e3/day", "/day", "5./day", "99999999999999/day", "½/day",
        ])
    func budgetRefusals(text: String) {
        #expect(Budget(parsing: text) == nil)
    }

    @Test("period keys match Foundation's UTC calendar, also before 1970 and across leap days")
    func periodKeys() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        var generator = SystemRandomNumberGenerator()
        let fixed: [Double] = [0, -1, 951_782_400, 951_868_799, 4_107_542_400, -2_208_988_800, 1_796_255_999.999]
        let random = (0..<500).map { _ in Double(Int64.random(in: -4_000_000_000...8_000_000_000, using: &generator)) }
        for seconds in fixed + random {
            let date = Date(timeIntervalSince1970: seconds)
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            func pad(_ value: Int?, _ width: Int) -> String {
                let text = String(value ?? 0)
                return String(repeating: "0", count: max(0, width - text.count)) + text
            }
            let expected = "\(pad(parts.year, 4))-\(pad(parts.month, 2))-\(pad(parts.day, 2))"
            #expect(BudgetPeriod.day.key(for: date) == expected, "at \(seconds)")
            #expect(BudgetPeriod.month.key(for: date) == String(expected.prefix(7)))
        }
    }

    @Test("secrets have the documented shape and do not repeat")
    func secrets() {
        let secrets = (0..<200).map { _ in KeySecret.generate() }
        #expect(Set(secrets.map(\.value)).count == 200)
        for secret in secrets {
            #expect(KeySecret.isWellFormed(secret))
            #expect(KeySecret.hash(secret).count == 64)
            #expect("\(secret)" == "<redacted>")
        }
        #expect(KeySecret.constantTimeEquals("abc", "abc"))
        #expect(!KeySecret.constantTimeEquals("abc", "abd"))
        #expect(!KeySecret.constantTimeEquals("abc", "ab"))
    }

    @Test("a PostgreSQL URL is read, and errors about it never show the password")
    func postgresURL() throws {
        let configuration = try PostgresURL.configuration(
            "postgres://ajar:s3cr%40t@db.internal:6543/gateway?sslmode=disable")
        #expect(configuration.host == "db.internal")
        #expect(configuration.port == 6543)
        #expect(configuration.username == "ajar")
        #expect(configuration.password == "s3cr@t")
        #expect(configuration.database == "gateway")
        for bad in [
            "mysql://u:hunter2@h/db", "postgres://:hunter2@h/db", "postgres://u:hunter2@h/db?sslmode=sometimes",
            "not a url",
        ] {
            do {
                _ = try PostgresURL.configuration(bad)
                Issue.record("accepted \(bad)")
            } catch {
                #expect(!"\(error)".contains("hunter2"))
            }
        }
    }

    @Test("a store that cannot be opened says so without crashing")
    func unopenableStore() {
        #expect(throws: StoreError.self) {
            _ = try SQLiteStore(path: "/proc/self/no/such/dir/ajar.db", logger: StoreBackend.logger)
        }
    }
}
