import AjarCore
import AjarGateway
import AjarStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// The web dashboard at `/ui`: server-rendered pages (Models, Spend, Policy, Audit, Keys) for the
/// holder of the admin key.
///
/// | route | does |
/// | --- | --- |
/// | `GET /ui/login`, `POST /ui/login` | the login form; a correct admin key sets the session cookie |
/// | `POST /ui/logout` | ends the session |
/// | `GET /ui`, `GET /ui/models` | every model as a card: openness, hosting, prices, health, today's requests and spend |
/// | `GET /ui/spend` | cost and tokens per day (30 days) by key, team, model, open vs closed; budgets |
/// | `GET /ui/policy` | data classes and actions per day, refusals, the latest decision traces, the explain form |
/// | `GET /ui/audit` | the chain, filtered and paged by seq; `?verify=1` verifies it |
/// | `GET /ui/keys`, `POST /ui/keys`, `POST /ui/keys/{id}/revoke` | list, create (secret shown once), revoke |
/// | `POST /ui/api/policy/explain` | the explain form's call, passed on to `POST /api/policy/explain` as the admin |
/// | `GET /ui/assets/app.css`, `GET /ui/assets/app.js` | the stylesheet and script (no CDN, no build step) |
///
/// Every page needs the session cookie or `Authorization: Bearer ADMIN_KEY`; without either a
/// page redirects to the login form. A POST made with the cookie must carry the session's CSRF
/// token (a form field `csrf`, or the `x-ajar-csrf` header).
struct DashboardRoutes: Sendable {
    let gateway: Gateway
    let session: DashboardSession

    init(gateway: Gateway, session: DashboardSession = DashboardSession()) {
        self.gateway = gateway
        self.session = session
    }

    func addRoutes(to router: Router<AjarRequestContext>) {
        router.get("/ui/assets/app.css") { _, _ in Self.asset(DashboardAssets.css, type: "text/css; charset=utf-8") }
        router.get("/ui/assets/app.js") { _, _ in
            Self.asset(DashboardAssets.javascript, type: "text/javascript; charset=utf-8")
        }
        router.get("/ui/login") { request, _ in loginForm(request) }
        router.post("/ui/login") { request, _ in await login(request) }
        router.post("/ui/logout") { request, _ in await logout(request) }
        router.get("/ui") { request, _ in await page(request, .models, models) }
        router.get("/ui/models") { request, _ in await page(request, .models, models) }
        router.get("/ui/spend") { request, _ in await page(request, .spend, spend) }
        router.get("/ui/policy") { request, _ in await page(request, .policy, policy) }
        router.get("/ui/audit") { request, _ in await page(request, .audit) { try await audit(request, $0) } }
        router.get("/ui/keys") { request, _ in await page(request, .keys) { try await keys($0) } }
        router.post("/ui/keys") { request, context in
            await form(request, context, .keys) { try await createKey($0, $1, context: $2) }
        }
        router.post("/ui/keys/{id}/revoke") { request, context in
            let id = context.parameters.get("id") ?? ""
            return await form(request, context, .keys) { try await revokeKey(id, $0, context: $2) }
        }
        router.post("/ui/api/policy/explain") { request, context in await explain(request, context) }
        router.get("/ui/{path}") { _, _ in
            Self.html(.notFound, DashboardLayout.message(title: "Not found", text: "There is no such dashboard page."))
        }
    }

    // MARK: - Who is looking

    /// What a page knows of its viewer.
    struct Viewer: Sendable {
        /// The CSRF token for forms, when the viewer came with the session cookie.
        var csrf: String?
    }

    /// Why a request may not see the dashboard.
    enum Denial {
        case noAdminKeyConfigured
        case wrongKey
        case loginNeeded
    }

    /// Whether `key` is the admin key: the accountant knows it when a store is configured,
    /// the configuration otherwise (`storage: none`).
    func isAdmin(_ key: String?) -> Bool {
        if let accountant = gateway.accountant { return accountant.isAdmin(key) }
        guard let key, let configured = gateway.config.adminKey else { return false }
        return DashboardSession.constantTimeEqual(key, configured.value)
    }

    var adminKeyConfigured: Bool {
        gateway.accountant?.requiresKeys ?? (gateway.config.adminKey != nil)
    }

    /// The viewer of a request, or why it is denied.
    func viewer(_ request: Request) -> Result<Viewer, DenialError> {
        guard adminKeyConfigured else { return .failure(DenialError(.noAdminKeyConfigured)) }
        if request.headers[.authorization] != nil {
            let key = AuthMiddleware.key(request)
            guard isAdmin(key) else { return .failure(DenialError(.wrongKey)) }
            return .success(Viewer(csrf: nil))
        }
        if let token = sessionToken(request), session.isValid(token) {
            return .success(Viewer(csrf: session.csrfToken(for: token)))
        }
        return .failure(DenialError(.loginNeeded))
    }

    struct DenialError: Error {
        var denial: Denial
        init(_ denial: Denial) { self.denial = denial }
    }

    func sessionToken(_ request: Request) -> String? {
        request.cookies[DashboardSession.cookieName]?.value
    }

    /// The response for a denied request.
    func denied(_ denial: Denial, _ request: Request) -> Response {
        switch denial {
        case .noAdminKeyConfigured:
            return Self.html(
                .forbidden, DashboardLayout.message(title: "No admin key configured", text: Self.noAdminKeyText))
        case .wrongKey:
            return Self.html(
                .unauthorized, DashboardLayout.message(title: "Wrong key", text: "This page needs the admin key."))
        case .loginNeeded:
            // Back to the same page, filters included, after logging in.
            let next = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            var headers = HTTPFields()
            headers[.location] = "/ui/login?next=" + HTML.queryComponent(next)
            headers[.cacheControl] = "no-store"
            return Response(status: .seeOther, headers: headers)
        }
    }

    static let noAdminKeyText = """
        The dashboard shows keys, spending and the audit log, so it needs the admin key, and none is configured. \
        Set the environment variable AJAR_ADMIN_KEY (or auth.admin_key in ajar.yaml) to a long random secret, \
        for example AJAR_ADMIN_KEY=$(openssl rand -hex 32) ajar serve, then log in here with that key. \
        Once it is set, every API request needs a key too: create them with ajar keys create or on the Keys page.
        """

    // MARK: - Pages

    /// Renders a GET page for an authorised viewer.
    private func page(
        _ request: Request, _ tab: DashboardLayout.Tab, _ render: (Viewer) async throws -> String
    ) async -> Response {
        let viewer: Viewer
        switch self.viewer(request) {
        case .success(let value): viewer = value
        case .failure(let error): return denied(error.denial, request)
        }
        do {
            return Self.html(.ok, DashboardLayout.page(tab: tab, csrf: viewer.csrf, body: try await render(viewer)))
        } catch let problem as DashboardProblem {
            return Self.html(
                problem.status,
                DashboardLayout.page(tab: tab, csrf: viewer.csrf, body: DashboardLayout.problem(problem.text)))
        } catch {
            return Self.html(
                .internalServerError,
                DashboardLayout.page(
                    tab: tab, csrf: viewer.csrf, body: DashboardLayout.problem("The store failed: \(error)")))
        }
    }

    /// Runs a form POST for an authorised viewer: reads the form, checks the CSRF token of a
    /// cookie session, then `body(viewer, fields, context)` renders the result.
    private func form(
        _ request: Request, _ context: AjarRequestContext, _ tab: DashboardLayout.Tab,
        _ body: (Viewer, [String: String], FormContext) async throws -> String
    ) async -> Response {
        let viewer: Viewer
        switch self.viewer(request) {
        case .success(let value): viewer = value
        case .failure(let error): return denied(error.denial, request)
        }
        var request = request
        guard let buffer = try? await request.collectBody(upTo: 64 << 10) else {
            return Self.html(
                .contentTooLarge, DashboardLayout.message(title: "Too large", text: "The form is too large."))
        }
        let fields = HTML.formFields(String(buffer: buffer))
        if let token = sessionToken(request), viewer.csrf != nil, !session.isValidCSRF(fields["csrf"], for: token) {
            return Self.html(
                .forbidden,
                DashboardLayout.message(
                    title: "Form expired",
                    text: "The form's security token did not match. Reload the page and try again."))
        }
        do {
            let page = try await body(viewer, fields, FormContext(requestID: context.requestID))
            return Self.html(.ok, DashboardLayout.page(tab: tab, csrf: viewer.csrf, body: page))
        } catch let problem as DashboardProblem {
            return Self.html(
                problem.status,
                DashboardLayout.page(tab: tab, csrf: viewer.csrf, body: DashboardLayout.problem(problem.text)))
        } catch let error as StoreError {
            if case .keyNotFound = error {
                return Self.html(
                    .notFound,
                    DashboardLayout.page(tab: tab, csrf: viewer.csrf, body: DashboardLayout.problem("No such key.")))
            }
            return Self.html(
                .badRequest,
                DashboardLayout.page(tab: tab, csrf: viewer.csrf, body: DashboardLayout.problem("\(error)")))
        } catch {
            return Self.html(
                .internalServerError,
                DashboardLayout.page(tab: tab, csrf: viewer.csrf, body: DashboardLayout.problem("The store failed.")))
        }
    }

    /// What a form handler needs besides its fields.
    struct FormContext: Sendable {
        /// The id its audit record carries.
        var requestID: String
    }

    /// The accountant (and so the store), or a page saying there is none.
    func accountant() throws -> Accountant {
        guard let accountant = gateway.accountant else {
            throw DashboardProblem(
                status: .serviceUnavailable,
                text: "No store is configured (storage: none), so there are no keys, usage or audit records to show. "
                    + "Remove storage: none from the configuration to use the embedded SQLite store.")
        }
        return accountant
    }

    // MARK: - Login

    private func loginForm(_ request: Request, status: HTTPResponse.Status = .ok, error: String? = nil) -> Response {
        guard adminKeyConfigured else { return denied(.noAdminKeyConfigured, request) }
        let next = request.uri.queryParameters["next"].map(String.init) ?? "/ui"
        return Self.html(status, DashboardLayout.login(next: Self.safeNext(next), error: error))
    }

    private func login(_ request: Request) async -> Response {
        guard adminKeyConfigured else { return denied(.noAdminKeyConfigured, request) }
        var request = request
        guard let buffer = try? await request.collectBody(upTo: 16 << 10) else {
            return loginForm(request, status: .contentTooLarge, error: "The form is too large.")
        }
        let fields = HTML.formFields(String(buffer: buffer))
        let key = (fields["key"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty, isAdmin(key) else {
            return Self.html(
                .unauthorized,
                DashboardLayout.login(next: Self.safeNext(fields["next"] ?? "/ui"), error: "That is not the admin key.")
            )
        }
        var headers = HTTPFields()
        headers[.location] = Self.safeNext(fields["next"] ?? "/ui")
        let https = request.head.scheme == "https" || request.headers[.forwardedProto]?.lowercased() == "https"
        headers[.setCookie] = DashboardSession.setCookie(session.makeToken(), secure: https)
        headers[.cacheControl] = "no-store"
        return Response(status: .seeOther, headers: headers)
    }

    private func logout(_ request: Request) async -> Response {
        var request = request
        let buffer = try? await request.collectBody(upTo: 16 << 10)
        let fields = HTML.formFields(buffer.map { String(buffer: $0) } ?? "")
        if let token = sessionToken(request), session.isValid(token), !session.isValidCSRF(fields["csrf"], for: token) {
            return Self.html(
                .forbidden, DashboardLayout.message(title: "Form expired", text: "Reload the page and try again."))
        }
        var headers = HTTPFields()
        headers[.location] = "/ui/login"
        headers[.setCookie] = DashboardSession.clearCookie
        return Response(status: .seeOther, headers: headers)
    }

    /// A redirect target inside the dashboard only (never another site: no `//host`, no scheme).
    static func safeNext(_ next: String) -> String {
        guard next.hasPrefix("/ui"), !next.hasPrefix("//"), !next.contains("\\"),
            next.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        else { return "/ui" }
        return next
    }

    // MARK: - The explain form

    /// Explains the pasted request as `POST /api/policy/explain` does, as the admin.
    private func explain(_ request: Request, _ context: AjarRequestContext) async -> Response {
        let viewer: Viewer
        switch self.viewer(request) {
        case .success(let value): viewer = value
        case .failure(let error):
            return Self.jsonError(
                error.denial == .noAdminKeyConfigured ? .forbidden : .unauthorized, "This needs the admin key.")
        }
        if let token = sessionToken(request), viewer.csrf != nil, request.headers[.authorization] == nil,
            !session.isValidCSRF(request.headers[.csrfToken], for: token)
        {
            return Self.jsonError(.forbidden, "The security token did not match; reload the page.")
        }
        var request = request
        guard let body = try? await request.collectBody(upTo: gateway.config.server.maxBody) else {
            return Self.jsonError(.contentTooLarge, "The request is too large.")
        }
        let json: JSON
        do {
            json = try ChatHandler.parseJSON(body)
        } catch {
            return error.response(dialect: .openAI, requestID: context.requestID)
        }
        // As the admin: it may ask for any tier.
        let query = request.uri.queryParameters
        return PolicyRoutes.explain(
            json, anthropic: query.get("dialect") == "anthropic", tier: query.get("tier").map { String($0) },
            principal: Principal(app: "admin", team: ""), isAdmin: true, gateway: gateway, requestID: context.requestID)
    }

    // MARK: - Responses

    static func html(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.referrerPolicy] = "no-referrer"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func jsonError(_ status: HTTPResponse.Status, _ message: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let body = JSON.object(["error": ["message": .string(message)]])
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.bytes)))
    }

    static func asset(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "max-age=300"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// A page that cannot be shown, with a status and a sentence for the reader.
struct DashboardProblem: Error {
    var status: HTTPResponse.Status
    var text: String
}

extension HTTPField.Name {
    static let csrfToken = Self("x-ajar-csrf")!
    static let referrerPolicy = Self("referrer-policy")!
    static let forwardedProto = Self("x-forwarded-proto")!
}
