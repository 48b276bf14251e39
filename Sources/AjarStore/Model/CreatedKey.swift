import AjarCore

/// A key just created or rotated: its record and the secret, which the store never returns again.
package struct CreatedKey: Sendable {
    package var record: KeyRecord
    /// `ajar-sk-` + 40 base62 characters. Prints as `<redacted>`; show `secret.value` once, to the
    /// person who asked for it.
    package var secret: Secret

    package init(record: KeyRecord, secret: Secret) {
        self.record = record
        self.secret = secret
    }
}
