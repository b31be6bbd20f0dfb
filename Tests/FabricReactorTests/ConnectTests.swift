import FabricCore
import FabricReactor
import Glibc
import Testing

/// A raw loopback socket made with Glibc, bound to an ephemeral port; optionally listening
/// (but never accepting). Closed by `close()`.
struct RawSocket {
    let descriptor: Int32
    let port: UInt16

    init(listenBacklog: Int32?) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(descriptor >= 0, "socket failed")
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        precondition(bound == 0, "bind failed")
        if let listenBacklog { precondition(listen(descriptor, listenBacklog) == 0, "listen failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        self.descriptor = descriptor
        port = UInt16(bigEndian: address.sin_port)
    }

    /// Starts a non-blocking connect to `port` and returns the socket (left open).
    static func startConnect(to port: UInt16) -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return descriptor
    }

    func close() { _ = Glibc.close(descriptor) }

    /// Waits (poll(2), at most 30 s) until one of `descriptors`, connecting without blocking,
    /// has connected: a listener with a backlog of 0 then has its queue full, and the kernel
    /// drops further SYNs. An event to wait on, instead of a pause that hopes it happened.
    static func waitUntilOneConnects(_ descriptors: [Int32]) -> Bool {
        var polled = descriptors.map { pollfd(fd: $0, events: Int16(POLLOUT), revents: 0) }
        return Glibc.poll(&polled, nfds_t(polled.count), 30_000) > 0
    }
}

@Suite struct ConnectTests {
    /// A port that is bound but not listening refuses connections (and no other test can take
    /// it meanwhile).
    @Test func connectingToAClosedPortFailsWithATypedError() async {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let closed = RawSocket(listenBacklog: nil)
        defer { closed.close() }
        let result = await connect(port: closed.port, on: group.loops[0])
        guard case .failure(let error) = result else {
            Issue.record("connected to a port nobody listens on")
            return
        }
        #expect(error.code == .connectFailed)
        #expect(error.errno == ECONNREFUSED)
    }

    /// A listener that never accepts, with its backlog full: the kernel drops further SYNs, so
    /// the attempt hangs until its timeout.
    @Test func connectTimesOut() async {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let listener = RawSocket(listenBacklog: 0)
        defer { listener.close() }
        let fillers = (0..<4).map { _ in RawSocket.startConnect(to: listener.port) }
        defer { for filler in fillers { _ = Glibc.close(filler) } }
        #expect(RawSocket.waitUntilOneConnects(fillers))
        let clock = ContinuousClock()
        let started = clock.now
        let result = await connect(port: listener.port, on: group.loops[0], timeout: .milliseconds(200))
        let elapsed = clock.now - started
        guard case .failure(let error) = result else {
            Issue.record("connected through a full backlog")
            return
        }
        #expect(error.code == .connectTimeout)
        #expect(elapsed >= .milliseconds(200))
    }

    @Test func connectsToLocalhostAndIPv6Loopback() async throws {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let (listener, _) = try makeServer(group: group)
        defer { listener.close() }
        let stream = try await connect(host: "localhost", port: listener.localPort, on: group.loops[0]).get()
        #expect(stream.remoteHost == "127.0.0.1")
        // IPv6 loopback, where the machine has it.
        guard let listener6 = try? TCPListener.bind(
            host: "::1", port: 0, group: group, acceptBackoff: .milliseconds(10), onAccept: { _ in })
        else { return }
        defer { listener6.close() }
        let stream6 = try await connect(host: "[::1]", port: listener6.localPort, on: group.loops[0]).get()
        #expect(stream6.remoteHost == "::1")
        #expect(stream6.remoteAddress == "[::1]:\(listener6.localPort)")
    }

    /// A name that is not a literal goes through getaddrinfo on a helper thread ("LocalHost" is
    /// in /etc/hosts under any capitalisation, but skips the "localhost" shortcut).
    @Test func resolvesNamesOffTheLoop() async throws {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let (listener, _) = try makeServer(group: group)
        defer { listener.close() }
        let result = await connect(host: "LocalHost", port: listener.localPort, on: group.loops[0])
        let stream = try result.get()
        #expect(stream.remotePort == listener.localPort)
    }

    @Test func invalidHostsFailToResolve() async {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        for host in ["", "has space", String(repeating: "a", count: Limits.hostBytesMax + 1)] {
            let result = await connect(host: host, port: 1, on: group.loops[0])
            guard case .failure(let error) = result else {
                Issue.record("connected to \(host.debugDescription)")
                continue
            }
            #expect(error.code == .resolveFailed)
        }
    }

    /// The completion runs on the loop, never inside `connect` itself.
    @Test func completionRunsLaterOnTheLoop() async {
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        let loop = group.loops[0]
        let closed = RawSocket(listenBacklog: nil)
        defer { closed.close() }
        let observed = LoopBox<(returned: Bool, calledBeforeReturn: Bool, onLoop: Bool)?>(nil)
        await onLoop(loop) {
            let returned = LoopBox(false)
            TCPStream.connect(host: "127.0.0.1", port: closed.port, on: loop, timeout: .seconds(2)) { _ in
                observed.value = (true, !returned.value, loop.inEventLoop)
            }
            returned.value = true
        }
        #expect(await eventually { await onLoop(loop) { observed.value != nil } })
        let value = await onLoop(loop) { observed.value }
        #expect(value?.calledBeforeReturn == false)
        #expect(value?.onLoop == true)
    }
}
