import AjarCore
import AjarGateway
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Builds the HTTP application for a gateway.
/// - Parameters:
///   - onServerRunning: called with the bound port once the server listens (tests bind port 0).
package func buildApplication(
    gateway: Gateway, host: String, port: Int, logger: Logger, metrics: MetricsExport? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let watcher = DisconnectWatcher()
    let router = buildRouter(gateway: gateway, watcher: watcher, metrics: metrics)
    return Application(
        router: router,
        server: .http1(additionalChannelHandlers: [watcher.makeHandler()]),
        configuration: .init(address: .hostname(host, port: port), serverName: nil),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
        logger: logger)
}

/// The routes of both dialects, the admin API, the dashboard, `GET /metrics` and `GET /health`.
/// - Parameter metrics: where `GET /metrics` reads from (built before the gateway, which counts into it).
package func buildRouter(
    gateway: Gateway, watcher: DisconnectWatcher = DisconnectWatcher(), metrics: MetricsExport? = nil
) -> Router<AjarRequestContext> {
    let router = Router(context: AjarRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: AuthMiddleware(accountant: gateway.accountant))
    let handler = ChatHandler(gateway: gateway, watcher: watcher, maxBody: gateway.config.server.maxBody)
    OpenAIRoutes(handler: handler).addRoutes(to: router)
    AnthropicRoutes(handler: handler).addRoutes(to: router)
    AdminRoutes(gateway: gateway).addRoutes(to: router)
    PolicyRoutes(handler: handler).addRoutes(to: router)
    metrics?.addRoute(to: router, gateway: gateway)
    let dashboard = DashboardRoutes(gateway: gateway)
    dashboard.addRoutes(to: router)
    router.get("/health") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"ok\"}")))
    }
    return router
}
