import CFabricShims
import FabricCore
import Glibc

extension TCPStream {
    /// Connects to `host:port` without blocking the loop. `host` is an IPv4 or IPv6 literal,
    /// `localhost` (127.0.0.1), or a name resolved with `getaddrinfo` on a helper thread (its
    /// first address is used). `completion` runs on `loop`, exactly once and never before
    /// `connect` returns, with a stream that is not started yet, or with `connectFailed`,
    /// `connectTimeout` (resolution included in `timeout`), `resolveFailed`, `socketFailed` or
    /// `shutdown`. Loop-only.
    package static func connect(
        host: String, port: UInt16, on loop: EventLoop, timeout: Duration,
        _ completion: @escaping (Result<TCPStream, ReactorError>) -> Void
    ) {
        loop.assertInEventLoop()
        let attempt = ConnectAttempt(host: host, port: port, loop: loop, completion: completion)
        attempt.begin(timeout: timeout)
    }
}

/// One connect in progress: resolving the name, then waiting for the socket to connect; bounded
/// by a timer. Loop-confined (`@unchecked Sendable` only to come back from the resolver thread
/// through `execute`).
final class ConnectAttempt: @unchecked Sendable {
    private let host: String
    private let port: UInt16
    private let loop: EventLoop
    private var completion: ((Result<TCPStream, ReactorError>) -> Void)?
    private var handlerKey: UInt64?
    private var descriptor: Int32 = -1
    private var isWatched = false
    private var address: SocketAddress?
    private var timeoutTimer: TimerHandle?

    init(host: String, port: UInt16, loop: EventLoop, completion: @escaping (Result<TCPStream, ReactorError>) -> Void) {
        self.host = host
        self.port = port
        self.loop = loop
        self.completion = completion
    }

    /// Registers for shutdown, starts the timeout, and starts resolving or connecting on the
    /// next pass of the run queue (so the completion never runs inside `connect`).
    func begin(timeout: Duration) {
        handlerKey = loop.addHandler(self)
        timeoutTimer = loop.scheduleTimer(after: timeout) { [self] in
            fail(ReactorError(.connectTimeout, "connecting to \(host):\(port) took longer than \(timeout)"))
        }
        loop.executeSoon { [self] in start() }
    }

    private func start() {
        guard completion != nil else { return }
        if let numeric = SocketAddress(numericHost: host, port: port) {
            connect(to: numeric)
            return
        }
        guard SocketAddress.isPlausibleHostName(host) else {
            fail(ReactorError(.resolveFailed, "not a valid host: \(host.utf8.count) bytes"))
            return
        }
        let loop = self.loop
        let started = NameResolver.resolve(host: host, port: port) { [self] result in
            loop.execute { self.resolved(result) }
        }
        if !started {
            fail(ReactorError(.resolveFailed, "too many host names being resolved at once"))
        }
    }

    private func resolved(_ result: Result<SocketAddress, ReactorError>) {
        guard completion != nil else { return }
        switch result {
        case .success(let address): connect(to: address)
        case .failure(let error): fail(error)
        }
    }

    private func connect(to address: SocketAddress) {
        self.address = address
        switch Socket.makeTCP(family: address.family) {
        case .failure(let error):
            fail(error)
        case .success(let descriptor):
            self.descriptor = descriptor
            var storage = address.storage
            let result = cfabric_connect(descriptor, &storage, address.length)
            if result == 0 {
                succeed()
            } else if result == -EINPROGRESS {
                waitForConnection()
            } else {
                fail(ReactorError(.connectFailed, systemCall: "connect to \(host):\(port)", errno: -result))
            }
        }
    }

    private func waitForConnection() {
        guard let key = handlerKey else { return }
        let result = loop.watch(descriptor, key: key, events: CFABRIC_EPOLLOUT)
        guard result == 0 else {
            fail(ReactorError(.socketFailed, systemCall: "epoll_ctl", errno: -result))
            return
        }
        isWatched = true
    }

    private func succeed() {
        guard let address else { return }
        stopWatching()
        let stream = TCPStream(descriptor: descriptor, loop: loop, remote: address)
        descriptor = -1
        finish(.success(stream))
    }

    private func fail(_ error: ReactorError) {
        stopWatching()
        if descriptor >= 0 {
            Socket.close(descriptor)
            descriptor = -1
        }
        finish(.failure(error))
    }

    private func stopWatching() {
        if isWatched {
            loop.unwatch(descriptor)
            isWatched = false
        }
    }

    private func finish(_ result: Result<TCPStream, ReactorError>) {
        guard let completion else { return }
        self.completion = nil
        timeoutTimer?.cancel()
        timeoutTimer = nil
        if let handlerKey { loop.removeHandler(handlerKey) }
        handlerKey = nil
        completion(result)
    }
}

extension ConnectAttempt: LoopEventHandler {
    /// The socket became writable (connected) or reported an error.
    func handleEvents(_ events: UInt32) {
        guard completion != nil, isWatched else { return }
        let error = cfabric_socket_error(descriptor)
        if error == 0 {
            succeed()
        } else {
            let value = error > 0 ? error : -error
            fail(ReactorError(.connectFailed, systemCall: "connect to \(host):\(port)", errno: value))
        }
    }

    func closeForShutdown() {
        fail(ReactorError(.shutdown, "event loop shut down while connecting to \(host):\(port)"))
    }
}
