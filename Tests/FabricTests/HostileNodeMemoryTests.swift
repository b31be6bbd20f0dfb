#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Fabric
import FabricTestKit
import FabricWire
import Synchronization
import Testing

/// The attack of issue 14 against a real `fabric node` process: a client that handshakes,
/// pipelines millions of calls and never reads a reply. Measured on the node's own resident
/// memory (its process alone, whatever else runs in parallel), the node stops reading once its
/// output budget is full and keeps serving others. Before the budget, 200,000 pipelined calls
/// took a node from 39 MB to 365 MB.
@Suite(.serialized) struct HostileNodeMemoryTests {
    static func frame(kind: FrameKind, id: UInt64, payload: [UInt8]) throws -> [UInt8] {
        let encoder = FrameEncoder(frameBytesMax: 1 << 20, checksum: false, compressionThresholdBytes: nil)
        var bytes: [UInt8] = []
        try payload.withUnsafeBytes { try encoder.append(kind: kind, priority: 0, messageID: id, payload: $0, to: &bytes) }
        return bytes
    }

    /// A blocking socket connected to 127.0.0.1:`port`.
    static func connectRaw(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, result == 0 else { throw FabricError.nodeUnreachable("cannot connect to \(port)") }
        return fd
    }

    @Test func aClientThatNeverReadsCannotGrowTheNodesMemory() async throws {
        let binary = try #require(ProcessCluster.locateExecutable(named: "fabric"), "build the `fabric` product first")
        let cluster = try ProcessCluster(executable: binary, names: ["target"])
        do {
            try await cluster.start()
            let node = cluster["target"]
            let pid = try #require(node.pid)
            let fd = try Self.connectRaw(port: node.port)
            defer { close(fd) }
            let hello = Hello(
                versionMin: ProtocolVersion.supported.lowerBound, versionMax: ProtocolVersion.supported.upperBound,
                cluster: "fabric", node: NodeId(uncheckedValid: "attacker"), generation: 7, advertisedAddress: nil,
                capabilities: Capabilities(compression: false, checksum: false, frameBytesMax: 1 << 20))
            var helloPayload: [UInt8] = []
            HandshakeMessage.hello(hello).encode(into: &helloPayload)
            let helloFrame = try Self.frame(kind: .handshake, id: 0, payload: helloPayload)
            _ = helloFrame.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            // Calls whose envelope is garbage: each is answered with a small failure reply,
            // which is all this client needs to make the node write (and never reads).
            var calls: [UInt8] = []
            for id in 1...10_000 { calls += try Self.frame(kind: .call, id: UInt64(id), payload: [0xFF]) }
            let batch = calls
            let before = ProcessMemory.residentBytes(of: pid)
            let sent = Atomic<Int>(0)
            let stop = Atomic<Bool>(false)
            DispatchQueue.global().async {
                for _ in 0..<300 {  // 3,000,000 calls: about 250 MB of replies left unread
                    var offset = 0
                    while offset < batch.count, !stop.load(ordering: .relaxed) {
                        var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                        guard poll(&poller, 1, 50) >= 0 else { return }
                        guard poller.revents & Int16(POLLOUT) != 0 else { continue }
                        let written = batch.withUnsafeBytes {
                            send(fd, $0.baseAddress! + offset, batch.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                        }
                        if written < 0, errno == EAGAIN { continue }
                        if written <= 0 { return }
                        offset += written
                        sent.add(written, ordering: .relaxed)
                    }
                }
            }
            defer { stop.store(true, ordering: .relaxed) }
            // The node has stopped reading once what the client sends stops moving for a while
            // (the kernel's buffers between them are full): wait for that, not for a time.
            var last = -1
            var still = 0
            let clock = ContinuousClock()
            let giveUp = clock.now + .seconds(120)
            while still < 20, clock.now < giveUp {
                try await Task.sleep(for: .milliseconds(100))
                let now = sent.load(ordering: .relaxed)
                still = now == last ? still + 1 : 0
                last = now
            }
            let grown = ProcessMemory.residentBytes(of: pid) - before
            #expect(still >= 20, "the node kept reading: \(last) bytes taken in 120 s")
            // The budget (40 MiB of output) plus what one turn read and answered, and the
            // allocator's slack.
            // (Without the budget: 150 MB here, and all 3,000,000 calls read.)
            #expect(grown < 80 * 1024 * 1024, "the node's resident memory grew by \(grown) bytes")
            #expect(last < 300 * batch.count, "the node read everything (\(last) bytes)")

            // Another client is still served meanwhile.
            var configuration = FabricNodeConfiguration.client(
                name: try NodeId("good"), seeds: [try NodeAddress(host: "127.0.0.1", port: node.port)])
            configuration.loopCount = 1
            let client = try FabricNode(configuration)
            try await client.waitUntilConnected(to: NodeId(uncheckedValid: "target"), timeout: .seconds(10))
            let echo = try EchoActor.resolve(id: try .wellKnown("echo", on: NodeId("target")), using: client.system)
            #expect(try await withCallOptions(timeout: .seconds(10)) { try await echo.echo("still here") } == "still here")
            await client.leave()
        } catch {
            Issue.record("\(error)\n\(cluster.logsOnFailure())")
        }
        await cluster.shutdown()
    }
}
