import FabricCore
import Testing
@testable import FabricWire

/// Messages sent as several frames (the `more-fragments` flag), interleaved with others, come
/// out of the decoder whole; what a peer may send that way is bounded.
@Suite struct FragmentTests {
    typealias Support = WireFramesTestSupport

    /// The frames of `payload` cut into pieces of `pieceBytes`, as a connection sends them.
    static func fragments(
        of payload: [UInt8], kind: FrameKind = .call, id: UInt64, pieceBytes: Int, encoder: FrameEncoder
    ) throws -> [[UInt8]] {
        let compressedWire = try payload.withUnsafeBytes { first in
            try encoder.compressedForFragments(kind: kind, first: first, then: UnsafeRawBufferPointer(start: nil, count: 0))
        }
        let wire = compressedWire ?? payload
        let compressed = compressedWire != nil
        var frames: [[UInt8]] = []
        var offset = 0
        repeat {
            let end = min(offset + pieceBytes, wire.count)
            var frame: [UInt8] = []
            try wire[offset..<end].withUnsafeBytes {
                try encoder.appendFragment(
                    kind: kind, priority: 1, messageID: id, payload: $0, isCompressed: compressed,
                    moreFollow: end < wire.count, to: &frame)
            }
            frames.append(frame)
            offset = end
        } while offset < wire.count
        return frames
    }

    static func decoder() -> FrameDecoder {
        var decoder = Support.decoder(frameBytesMax: 4 << 20, acceptsCompression: true)
        decoder.acceptsFragments = true
        return decoder
    }

    @Test(arguments: [false, true])
    func interleavedMessagesComeOutWhole(compressed: Bool) throws {
        let encoder = FrameEncoder(frameBytesMax: 4 << 20, checksum: true, compressionThresholdBytes: compressed ? 1024 : nil)
        let first = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 / 7) }
        let second = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let a = try Self.fragments(of: first, id: 1, pieceBytes: 16_384, encoder: encoder)
        let b = try Self.fragments(of: second, kind: .reply, id: 1, pieceBytes: 10_000, encoder: encoder)
        #expect(a.count > 1)
        var small: [UInt8] = []
        try ([9, 9, 9] as [UInt8]).withUnsafeBytes { try encoder.append(kind: .oneway, priority: 3, messageID: 7, payload: $0, to: &small) }
        // a0 b0 small a1 b1 a2 b2 … : the small frame comes out first, each message once whole.
        var wire: [UInt8] = []
        for index in 0..<max(a.count, b.count) {
            if index < a.count { wire += a[index] }
            if index < b.count { wire += b[index] }
            if index == 0 { wire += small }
        }
        for chunk in [wire.count, 1, 4099] {
            var decoder = Self.decoder()
            let frames = try Support.decodeAll(wire, chunk: chunk, decoder: &decoder)
            #expect(frames.count == 3)
            // The small frame sent after the large message's first fragment comes out first.
            let smallIndex = frames.firstIndex { $0.kind == .oneway }
            let callIndex = frames.firstIndex { $0.kind == .call }
            #expect(smallIndex != nil && callIndex != nil && smallIndex! < callIndex!)
            #expect(frames.first { $0.kind == .oneway }?.payload == [9, 9, 9][...])
            #expect(frames.first { $0.kind == .call }?.payload == first[...])
            #expect(frames.first { $0.kind == .reply }?.payload == second[...])
            #expect(decoder.partialBytes == 0)
        }
    }

    @Test func fragmentsAreRefusedUnlessAgreed() throws {
        let encoder = FrameEncoder(frameBytesMax: 1 << 20, checksum: false, compressionThresholdBytes: nil)
        let frames = try Self.fragments(of: [UInt8](repeating: 1, count: 5000), id: 3, pieceBytes: 1000, encoder: encoder)
        var decoder = Support.decoder(frameBytesMax: 1 << 20)
        frames[0].withUnsafeBytes { decoder.feed($0) }
        let error = #expect(throws: WireError.self) { try decoder.nextFrame() }
        #expect(error?.code == .unsupported)
    }

    @Test func aReassembledMessageObeysTheFrameLimit() throws {
        let encoder = FrameEncoder(frameBytesMax: 1 << 20, checksum: false, compressionThresholdBytes: nil)
        // Each fragment is a legal frame, but together they pass the 256 KiB frame limit.
        var wire: [UInt8] = []
        for index in 0..<5 {
            try [UInt8](repeating: 2, count: 60_000).withUnsafeBytes {
                try encoder.appendFragment(
                    kind: .call, priority: 0, messageID: 4, payload: $0, isCompressed: false, moreFollow: index < 4, to: &wire)
            }
        }
        var decoder = Support.decoder(frameBytesMax: 256 * 1024)
        decoder.acceptsFragments = true
        wire.withUnsafeBytes { decoder.feed($0) }
        let error = #expect(throws: WireError.self) { while try decoder.nextFrame() != nil {} }
        #expect(error?.code == .frameTooLarge)
    }

    @Test func messagesUnderWayAreBoundedInCountAndBytes() throws {
        let encoder = FrameEncoder(frameBytesMax: 1 << 20, checksum: false, compressionThresholdBytes: nil)
        var wire: [UInt8] = []
        for id in 0...UInt64(Limits.fragmentedMessagesPerConnectionMax) {
            try [UInt8](repeating: 3, count: 10).withUnsafeBytes {
                try encoder.appendFragment(
                    kind: .call, priority: 0, messageID: id, payload: $0, isCompressed: false, moreFollow: true, to: &wire)
            }
        }
        var decoder = Self.decoder()
        wire.withUnsafeBytes { decoder.feed($0) }
        let tooMany = #expect(throws: WireError.self) { while try decoder.nextFrame() != nil {} }
        #expect(tooMany?.code == .limitExceeded)

        var bytesDecoder = Self.decoder()
        bytesDecoder.reassemblyBytesMax = 100_000
        var big: [UInt8] = []
        for id in 0..<3 as Range<UInt64> {
            try [UInt8](repeating: 4, count: 40_000).withUnsafeBytes {
                try encoder.appendFragment(
                    kind: .call, priority: 0, messageID: id, payload: $0, isCompressed: false, moreFollow: true, to: &big)
            }
        }
        big.withUnsafeBytes { bytesDecoder.feed($0) }
        let tooLarge = #expect(throws: WireError.self) { while try bytesDecoder.nextFrame() != nil {} }
        #expect(tooLarge?.code == .limitExceeded)
    }

    @Test func fragmentsThatDisagreeOnCompressionAreMalformed() throws {
        let encoder = FrameEncoder(frameBytesMax: 1 << 20, checksum: false, compressionThresholdBytes: nil)
        var wire: [UInt8] = []
        try [UInt8](repeating: 5, count: 100).withUnsafeBytes {
            try encoder.appendFragment(kind: .call, priority: 0, messageID: 8, payload: $0, isCompressed: false, moreFollow: true, to: &wire)
            try encoder.appendFragment(kind: .call, priority: 0, messageID: 8, payload: $0, isCompressed: true, moreFollow: false, to: &wire)
        }
        var decoder = Self.decoder()
        wire.withUnsafeBytes { decoder.feed($0) }
        let error = #expect(throws: WireError.self) { while try decoder.nextFrame() != nil {} }
        #expect(error?.code == .malformed)
    }
}
