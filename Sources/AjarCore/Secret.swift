/// A credential. It prints as `<redacted>` in every description, so no log line, error or dump can
/// leak it; code that must send it reads ``value`` explicitly.
package struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The secret itself. Read it only to put it on the wire.
    package let value: String

    package init(_ value: String) {
        self.value = value
    }

    package var isEmpty: Bool { value.isEmpty }
    package var description: String { "<redacted>" }
    package var debugDescription: String { "<redacted>" }
    /// No children, so `dump` and reflection-based printers show nothing of the value either.
    package var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
