import FabricCore
import Glibc
import Synchronization

/// Resolves host names with `getaddrinfo` on short-lived helper threads, since it blocks and
/// a loop must never block. At most `Limits.nameResolutionsInFlightMax` run at once.
enum NameResolver {
    private static let inFlight = Atomic<Int>(0)

    /// Starts resolving; `completion` runs on the helper thread. Returns false (and never calls
    /// `completion`) when too many resolutions are already running or no thread could start.
    static func resolve(
        host: String, port: UInt16, _ completion: @escaping @Sendable (Result<SocketAddress, ReactorError>) -> Void
    ) -> Bool {
        let running = inFlight.wrappingAdd(1, ordering: .relaxed).newValue
        guard running <= Limits.nameResolutionsInFlightMax else {
            inFlight.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        let request = Unmanaged.passRetained(Request(host: host, port: port, completion: completion)).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { context in
            let request = Unmanaged<Request>.fromOpaque(context!).takeRetainedValue()
            let result = SocketAddress.resolve(host: request.host, port: request.port)
            NameResolver.inFlight.wrappingSubtract(1, ordering: .relaxed)
            request.completion(result)
            return nil
        }, request)
        guard started == 0 else {
            Unmanaged<Request>.fromOpaque(request).release()
            inFlight.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        pthread_detach(thread)
        return true
    }

    private final class Request: Sendable {
        let host: String
        let port: UInt16
        let completion: @Sendable (Result<SocketAddress, ReactorError>) -> Void

        init(host: String, port: UInt16, completion: @escaping @Sendable (Result<SocketAddress, ReactorError>) -> Void) {
            self.host = host
            self.port = port
            self.completion = completion
        }
    }
}
