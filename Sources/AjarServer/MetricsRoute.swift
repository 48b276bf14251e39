import AjarCore
import AjarGateway
import HTTPTypes
import Hummingbird
import NIOCore
import Prometheus

/// `GET /metrics`: the gateway's metrics (``GatewayMetrics``) in Prometheus' text format. Open
/// while no admin key is set; once one is, a scrape must send it (`Authorization: Bearer KEY`,
/// in Prometheus: `authorization: {credentials: KEY}`).
package struct MetricsExport: Sendable {
    package let registry: PrometheusCollectorRegistry
    /// Give this to the gateway so what it counts ends up here.
    package let gatewayMetrics: GatewayMetrics

    package init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        // Gateway latency from milliseconds to minutes (local generation is slow).
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
            .seconds(30), .seconds(60), .seconds(120),
        ]
        self.gatewayMetrics = GatewayMetrics(factory: factory)
    }

    func addRoute(to router: Router<AjarRequestContext>, gateway: Gateway) {
        router.get("/metrics") { request, context in
            if let accountant = gateway.accountant, accountant.requiresKeys, !accountant.isAdmin(AuthMiddleware.key(request)) {
                var response = GatewayError.unauthorized("Metrics need the admin key.").response(dialect: .openAI, requestID: context.requestID)
                response.headers[.wwwAuthenticate] = "Bearer"
                return response
            }
            gatewayMetrics.sample(gateway)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }
}
