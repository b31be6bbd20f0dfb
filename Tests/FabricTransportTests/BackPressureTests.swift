#if canImport(Glibc)
import Glibc
#endif
import FabricCore
import FabricReactor
import FabricWire
import Testing
@testable import FabricTransport

/// The outbound queue is bounded: above the soft limit callers are told to wait, past the hard
/// limit messages are rejected, and waiting callers are released (with an error) when the
/// connection goes away. The peer here accepts TCP but never answers the handshake, so nothing
/// queued can leave.
@Suite(.serialized) struct BackPressureTests {
    /// A listening socket that accepts connections and never reads or writes.
    final class SilentListener {
        let fd: Int32
        let port: UInt16

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                    guard bind(fd, pointer, length) == 0, listen(fd, 16) == 0 else { return -1 }
                    return getsockname(fd, pointer, &length)
                }
            }
            guard bound == 0 else {
                close(fd)
                throw RawClientError(message: "bind: \(errno)")
            }
            self.fd = fd
            port = UInt16(bigEndian: address.sin_port)
        }

        deinit { close(fd) }
    }

    @Test func queueIsBoundedAndWaitersAreReleased() async throws {
        let silent = try SilentListener()
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        var configuration = TransportConfiguration(cluster: "test", node: NodeId(uncheckedValid: "client"), generation: 1, listen: nil)
        configuration.limits.outboundQueueBytesSoftMax = 64 * 1024
        configuration.limits.outboundQueueBytesMax = 256 * 1024
        configuration.limits.handshakeTimeout = .seconds(1)
        let transport = Transport(configuration: configuration, group: group, log: { _, _ in })
        let connection = try #require(transport.dial(NodeAddress(uncheckedHost: "127.0.0.1", port: silent.port), expecting: NodeId(uncheckedValid: "silent")))

        let payload = [UInt8](repeating: 1, count: 16 * 1024)
        var accepted = 0
        var rejection: FabricError?
        for index in 0..<100 {
            do {
                try connection.send(OutboundMessage(kind: .oneway, messageID: UInt64(index), payload: payload))
                accepted += 1
            } catch {
                rejection = error
                break
            }
        }
        #expect(rejection?.code == .rejected, "expected the hard limit to reject, got \(String(describing: rejection))")
        #expect(accepted * (payload.count + FrameLayout.headerBytes) <= configuration.limits.outboundQueueBytesMax)
        #expect(accepted >= 10)
        #expect(connection.isBackPressured)

        // A caller waiting for space is released when the connection gives up (handshake deadline).
        do {
            try await connection.waitForSpace()
            Issue.record("waitForSpace returned although nothing could drain")
        } catch let error as FabricError {
            #expect(error.code == .nodeUnreachable || error.code == .protocolViolation, "\(error)")
        }
        transport.shutdown()
    }
}
