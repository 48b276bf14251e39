/// Thrown inside a reservation transaction to roll it back when a scope's budget cannot cover the
/// estimate; caught by the store and returned as ``ReserveOutcome/budgetExceeded(scope:limitMicros:remainingMicros:)``.
struct BudgetRefusal: Error {
    var outcome: ReserveOutcome
}

/// The fixed one-minute window rate limits count in.
struct RateWindow {
    static let lengthMs: Int64 = 60_000
    var startMs: Int64
    /// Whole seconds until the window ends, at least 1.
    var retryAfter: Int

    init(nowMs: Int64) {
        var start = nowMs - nowMs % RateWindow.lengthMs
        if nowMs % RateWindow.lengthMs < 0 { start -= RateWindow.lengthMs }
        startMs = start
        let remainingMs = start + RateWindow.lengthMs - nowMs
        retryAfter = max(1, Int((remainingMs + 999) / 1000))
    }
}
