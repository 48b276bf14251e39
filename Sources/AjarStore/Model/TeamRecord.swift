import Foundation

/// A team: a name that keys point at, with a budget shared by all its keys.
package struct TeamRecord: Sendable, Hashable {
    package var name: String
    package var budget: Budget?

    package init(name: String, budget: Budget? = nil) {
        self.name = name
        self.budget = budget
    }
}

extension TeamRecord {
    func validate() throws(StoreError) {
        if name.isEmpty { throw .invalidArgument("team name must not be empty") }
        if let budget, budget.amountMicros < 0 { throw .invalidArgument("budget must not be negative") }
    }
}
