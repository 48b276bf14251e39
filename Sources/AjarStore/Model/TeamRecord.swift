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
