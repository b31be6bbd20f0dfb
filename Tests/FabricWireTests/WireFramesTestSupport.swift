import FabricCore
@testable import FabricWire

/// Helpers for the frame, handshake and envelope tests (named for this suite so that they
/// cannot clash with the binary coder's test helpers in the same target).
enum WireFramesTestSupport {
    /// Bytes from a hex string; spaces are ignored.
    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8.filter { $0 != UInt8(ascii: " ") })
        precondition(digits.count % 2 == 0, "odd hex digit count")
        return stride(from: 0, to: digits.count, by: 2).map { index in
            UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16)!
        }
    }

    /// Lower-case hex of `bytes`, no separators.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }

    /// Every frame `decoder` yields for `bytes` fed in pieces of `chunk` bytes.
    static func decodeAll(
        _ bytes: [UInt8], chunk: Int, decoder: inout FrameDecoder
    ) throws(WireError) -> [Frame] {
        var frames: [Frame] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunk)
            bytes[offset..<end].withUnsafeBytes { decoder.feed($0) }
            offset = end
            while let frame = try decoder.nextFrame() { frames.append(frame) }
        }
        return frames
    }

    /// Appends a frame for `payload` with `encoder`. (Closures with typed throws passed to the
    /// standard library's rethrowing `withUnsafeBytes` crash this compiler, hence `Result`.)
    static func append(
        _ encoder: FrameEncoder, kind: FrameKind, priority: UInt8 = 1, messageID: UInt64, payload: [UInt8],
        to buffer: inout [UInt8]
    ) throws(WireError) {
        let outcome = payload.withUnsafeBytes { raw in
            Result { () throws(WireError) in
                try encoder.append(kind: kind, priority: priority, messageID: messageID, payload: raw, to: &buffer)
            }
        }
        try outcome.get()
    }

    /// A new decoder accepting `frameBytesMax` and, optionally, compression.
    static func decoder(frameBytesMax: Int = 1 << 24, acceptsCompression: Bool = false) -> FrameDecoder {
        var decoder = FrameDecoder(frameBytesMax: frameBytesMax)
        decoder.acceptsCompression = acceptsCompression
        return decoder
    }

    static let nodeA = NodeId(uncheckedValid: "node-a")
    static let nodeB = NodeId(uncheckedValid: "node-b")

    static func peer(_ index: Int) -> PeerInfo {
        PeerInfo(
            node: NodeId(uncheckedValid: "peer-\(index)"), generation: UInt64(index) &* 0x9E37_79B9,
            address: NodeAddress(uncheckedHost: "10.0.0.\(index % 250)", port: UInt16(7000 + index % 1000)))
    }

    static let capabilities = Capabilities(compression: true, checksum: true, frameBytesMax: 16 << 20)

    static func hello(
        versions: ClosedRange<UInt16> = 1...1, cluster: String = "demo", node: NodeId = nodeA,
        capabilities: Capabilities = capabilities, peers: [PeerInfo] = []
    ) -> Hello {
        Hello(
            versionMin: versions.lowerBound, versionMax: versions.upperBound, cluster: cluster, node: node,
            generation: 0x1122_3344_5566_7788, advertisedAddress: NodeAddress(uncheckedHost: "127.0.0.1", port: 7001),
            capabilities: capabilities, peers: peers)
    }
}

/// The seeded generator every random test uses (FabricCore.SeededRandom), so runs replay from their seed.
typealias WireFramesRandom = SeededRandom

extension SeededRandom {
    /// `count` random bytes.
    mutating func bytes(count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}
