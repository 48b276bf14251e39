import Crypto
import Foundation

/// The dashboard's login sessions: a cookie holds `v1.EXPIRY.MAC`, where MAC is HMAC-SHA256 over
/// `v1.EXPIRY` keyed with a random secret made when the process starts. The cookie never holds
/// the admin key; a restart (a new secret) logs everyone out. Each session has a CSRF token, an
/// HMAC of the session cookie under the same secret, that forms and scripts send back on POST.
struct DashboardSession: Sendable {
    /// The cookie's name.
    static let cookieName = "ajar_session"
    /// How long a login lasts.
    static let lifetime: TimeInterval = 12 * 3600

    private let secret: [UInt8]

    /// - Parameter secret: the MAC key; random (256 bits) unless a test passes one.
    init(secret: [UInt8]? = nil) {
        if let secret {
            self.secret = secret
        } else {
            var generator = SystemRandomNumberGenerator()
            self.secret = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        }
    }

    /// A new session token that expires `lifetime` after `now`.
    func makeToken(now: Date = Date()) -> String {
        let payload = "v1.\(Int64(now.timeIntervalSince1970 + Self.lifetime))"
        return payload + "." + mac(payload)
    }

    /// Whether `token` was made by this process and has not expired.
    func isValid(_ token: String, now: Date = Date()) -> Bool {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let expiry = Int64(parts[1]),
            Double(expiry) > now.timeIntervalSince1970
        else { return false }
        return Self.constantTimeEqual(mac("v1.\(parts[1])"), String(parts[2]))
    }

    /// The CSRF token of a session.
    func csrfToken(for token: String) -> String { mac("csrf." + token) }

    /// Whether `candidate` is the CSRF token of the session `token`.
    func isValidCSRF(_ candidate: String?, for token: String) -> Bool {
        guard let candidate else { return false }
        return Self.constantTimeEqual(csrfToken(for: token), candidate)
    }

    /// The `Set-Cookie` value that stores `token` (HttpOnly, SameSite=Strict, only for /ui), and
    /// `Secure` when the dashboard is reached over HTTPS (a TLS-terminating proxy in front).
    static func setCookie(_ token: String, secure: Bool = false) -> String {
        "\(cookieName)=\(token); Path=/ui; Max-Age=\(Int(lifetime)); HttpOnly; SameSite=Strict\(secure ? "; Secure" : "")"
    }

    /// The `Set-Cookie` value that removes the session.
    static let clearCookie = "\(cookieName)=; Path=/ui; Max-Age=0; HttpOnly; SameSite=Strict"

    private func mac(_ text: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: secret))
        return code.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for (p, q) in zip(x, y) { difference |= p ^ q }
        return difference == 0
    }
}
