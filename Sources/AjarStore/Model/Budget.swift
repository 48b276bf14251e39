import Foundation

/// A spending limit: an amount in integer micro-USD (1 USD = 1,000,000) per calendar period (UTC).
///
/// Money is integer micro-USD everywhere in the store, so sums never drift and comparisons are
/// exact; `--budget 50/month` is `Budget(amountMicros: 50_000_000, period: .month)`.
package struct Budget: Sendable, Hashable, Codable {
    /// The limit for one period, micro-USD.
    package var amountMicros: Int64
    /// The calendar period the limit applies to.
    package var period: BudgetPeriod

    package init(amountMicros: Int64, period: BudgetPeriod) {
        self.amountMicros = amountMicros
        self.period = period
    }

    /// Parses `AMOUNT/PERIOD` as the CLI writes it: `50/month`, `12.5/day`, `0.000001/day`.
    /// The amount is decimal USD with at most six fraction digits; no floating point is involved.
    /// - Returns: `nil` when the text is not of that form or the amount is negative or too large.
    package init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let period = BudgetPeriod(rawValue: String(parts[1])),
            let micros = Budget.micros(fromUSD: String(parts[0]))
        else { return nil }
        self.init(amountMicros: micros, period: period)
    }

    /// Decimal USD text (`"50"`, `"0.25"`) to micro-USD, or `nil` if malformed or out of range.
    package static func micros(fromUSD text: String) -> Int64? {
        let pieces = text.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count == 1 || pieces.count == 2 else { return nil }
        let whole = pieces[0]
        let fraction = pieces.count == 2 ? pieces[1] : ""
        guard !whole.isEmpty, whole.count <= 12, pieces.count == 1 || !fraction.isEmpty, fraction.count <= 6,
            whole.allSatisfy({ $0.isASCII && $0.isNumber }),
            fraction.allSatisfy({ $0.isASCII && $0.isNumber }),
            let wholeValue = Int64(whole)
        else { return nil }
        let paddedFraction = fraction + String(repeating: "0", count: 6 - fraction.count)
        guard let fractionValue = Int64(paddedFraction) else { return nil }
        return wholeValue * 1_000_000 + fractionValue
    }
}

/// The calendar period a budget resets on, in UTC.
package enum BudgetPeriod: String, Sendable, Hashable, Codable, CaseIterable {
    case day
    case month

    /// The period containing `date`, as the text the counters are keyed by:
    /// `2026-12-02` for a day, `2026-12` for a month (proleptic Gregorian calendar, UTC).
    package func key(for date: Date) -> String {
        let civil = CivilDate(millisecondsSince1970: date.millisecondsSince1970)
        let year = String(civil.year)
        let month = civil.month < 10 ? "0\(civil.month)" : "\(civil.month)"
        switch self {
        case .month:
            return "\(year)-\(month)"
        case .day:
            let day = civil.day < 10 ? "0\(civil.day)" : "\(civil.day)"
            return "\(year)-\(month)-\(day)"
        }
    }
}
