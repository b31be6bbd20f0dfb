import FabricCore
import FabricReactor
import FabricWire
@testable import FabricTransport

/// A listening transport on 127.0.0.1 with a short handshake deadline, and helpers to build
/// frames and read answers as a raw peer would.
final class TransportFixture {
    let group: EventLoopGroup
    let transport: Transport
    let port: UInt16

    init(name: String = "server", loops: Int = 1, configure: (inout TransportConfiguration) -> Void = { _ in }) throws {
        group = EventLoopGroup(loopCount: loops)
        var configuration = TransportConfiguration(
            cluster: "test", node: NodeId(uncheckedValid: name), generation: 0x5EED, listen: NodeAddress(uncheckedHost: "127.0.0.1", port: 0))
        configuration.limits.handshakeTimeout = .milliseconds(300)
        configure(&configuration)
        transport = Transport(configuration: configuration, group: group, log: { _, _ in })
        try transport.start()
        port = transport.listeningPort!
    }

    func shutdown() {
        transport.shutdown()
        group.shutdown()
    }

    /// A client-only transport that joins this one.
    func client(named name: String) -> (EventLoopGroup, Transport) {
        let group = EventLoopGroup(loopCount: 1)
        let configuration = TransportConfiguration(cluster: "test", node: NodeId(uncheckedValid: name), generation: 0xC1, listen: nil)
        let client = Transport(configuration: configuration, group: group, log: { _, _ in })
        client.join(seeds: [NodeAddress(uncheckedHost: "127.0.0.1", port: port)])
        return (group, client)
    }

    static func frame(kind: FrameKind, messageID: UInt64 = 0, payload: [UInt8]) throws -> [UInt8] {
        var bytes: [UInt8] = []
        let encoder = FrameEncoder(frameBytesMax: 1 << 20, checksum: false, compressionThresholdBytes: nil)
        let failure = payload.withUnsafeBytes { raw -> WireError? in
            do throws(WireError) {
                try encoder.append(kind: kind, priority: 0, messageID: messageID, payload: raw, to: &bytes)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
        return bytes
    }

    static func hello(
        node: String = "raw", cluster: String = "test", versions: ClosedRange<UInt16> = ProtocolVersion.supported
    ) throws -> [UInt8] {
        let hello = Hello(
            versionMin: versions.lowerBound, versionMax: versions.upperBound, cluster: cluster, node: NodeId(uncheckedValid: node),
            generation: 9, advertisedAddress: nil,
            capabilities: Capabilities(compression: false, checksum: false, frameBytesMax: 1 << 20))
        var payload: [UInt8] = []
        HandshakeMessage.hello(hello).encode(into: &payload)
        return try frame(kind: .handshake, payload: payload)
    }

    /// The handshake messages in `bytes` (what a server answered).
    static func handshakeMessages(in bytes: [UInt8]) -> [HandshakeMessage] {
        var decoder = FrameDecoder(frameBytesMax: 1 << 20)
        bytes.withUnsafeBytes { decoder.feed($0) }
        var messages: [HandshakeMessage] = []
        while let frame = try? decoder.nextFrame() {
            if frame.kind == .handshake, let message = try? HandshakeMessage.decode(frame.payload) { messages.append(message) }
        }
        return messages
    }
}

/// Waits (polling) until `condition` holds or `timeout` passes: a safety bound for a wait on a
/// condition, generous so that a loaded machine (tests in parallel) does not fail it.
func eventually(timeout: Duration = .seconds(30), _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}
