import Foundation

/// A UTC calendar date computed from a timestamp without `Calendar` (pure arithmetic, cheap on the
/// request path). The algorithm is Howard Hinnant's `civil_from_days`
/// (https://howardhinnant.github.io/date_algorithms.html#civil_from_days).
package struct CivilDate: Sendable, Hashable {
    package var year: Int64
    /// 1...12
    package var month: Int64
    /// 1...31
    package var day: Int64

    package init(millisecondsSince1970 ms: Int64) {
        // Floor division, so instants before 1970 land on the right day.
        let msPerDay: Int64 = 86_400_000
        var days = ms / msPerDay
        if ms % msPerDay < 0 { days -= 1 }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }
}

extension Date {
    /// Whole milliseconds since 1970 (rounded), the unit every timestamp is stored in.
    package var millisecondsSince1970: Int64 {
        let value = (timeIntervalSince1970 * 1000).rounded()
        guard value.isFinite, abs(value) < 9.2e18 else { return 0 }
        return Int64(value)
    }

    /// The instant `ms` milliseconds after 1970.
    package init(millisecondsSince1970 ms: Int64) {
        self.init(timeIntervalSince1970: Double(ms) / 1000)
    }
}
