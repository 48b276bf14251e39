import Foundation
import Testing

@testable import AjarServer

/// The dashboard's pure parts: escaping, sessions, redirect targets, filters.
@Suite("Dashboard building blocks")
struct DashboardUnitTests {
    @Test("escape replaces every character that could open markup or end an attribute")
    func escape() {
        #expect(
            HTML.escape("<script>alert('x') & \"y\"</script>")
                == "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;")
        #expect(HTML.escape("plain é ✓") == "plain é ✓")
    }

    @Test("form fields decode + and percent escapes; the first of a repeated name wins")
    func formFields() {
        let fields = HTML.formFields("app=a+b%3Cc%3E&team=&csrf=x&app=second&flag")
        #expect(fields["app"] == "a b<c>")
        #expect(fields["team"] == "")
        #expect(fields["flag"] == "")
        #expect(fields["csrf"] == "x")
    }

    @Test("a session token verifies until it expires, and only under the secret that made it")
    func sessions() throws {
        let session = DashboardSession(secret: Array(repeating: 7, count: 32))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let token = session.makeToken(now: now)
        #expect(session.isValid(token, now: now))
        #expect(session.isValid(token, now: now.addingTimeInterval(DashboardSession.lifetime - 1)))
        #expect(!session.isValid(token, now: now.addingTimeInterval(DashboardSession.lifetime + 1)))
        #expect(!DashboardSession(secret: Array(repeating: 8, count: 32)).isValid(token, now: now))
        // A later expiry with the old MAC is refused.
        let parts = token.split(separator: ".")
        let expiry = try #require(Int(parts[1]))
        #expect(!session.isValid("v1.\(expiry + 1000).\(parts[2])", now: now))
        #expect(!session.isValid("garbage", now: now))
        let csrf = session.csrfToken(for: token)
        #expect(session.isValidCSRF(csrf, for: token))
        #expect(!session.isValidCSRF(csrf, for: session.makeToken(now: now.addingTimeInterval(5))))
        #expect(!session.isValidCSRF(nil, for: token))
    }

    @Test("redirects after login stay inside the dashboard")
    func safeNext() {
        #expect(DashboardRoutes.safeNext("/ui/audit?app=x") == "/ui/audit?app=x")
        for hostile in [
            "//evil.example/ui", "https://evil.example/", "/api/admin/keys", "/ui\\@evil", "/ui/\r\nSet-Cookie: x",
        ] {
            #expect(DashboardRoutes.safeNext(hostile) == "/ui", "\(hostile)")
        }
    }

    @Test("status filters: a code, a class, or error")
    func statusFilter() {
        #expect(DashboardRoutes.statusRange("403") == 403...403)
        #expect(DashboardRoutes.statusRange("4xx") == 400...499)
        #expect(DashboardRoutes.statusRange("error") == 400...599)
        #expect(DashboardRoutes.statusRange("9xx") == nil)
        #expect(DashboardRoutes.statusRange("abc") == nil)
        #expect(DashboardRoutes.statusRange("42") == nil)
    }

    @Test("the actions of a decision trace")
    func actions() {
        let trace = "tier=limited; classes=email,iban; actions=email:pseudonymise,iban:keep-local; model=local/x"
        let actions = DashboardRoutes.actions(in: trace)
        #expect(actions.map(\.0) == ["email", "iban"])
        #expect(actions.map(\.1) == ["pseudonymise", "keep-local"])
        #expect(DashboardRoutes.actions(in: "tier=limited; classes=none").isEmpty)
        #expect(DashboardRoutes.actions(in: nil).isEmpty)
    }
}
