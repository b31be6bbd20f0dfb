import FabricCore
import Testing
@testable import FabricWire

/// Large compressed messages decompressed a slice at a time (`FrameDecoder+Slices`): the work
/// per slice is bounded, frames of higher priority come out between slices, frames of the
/// same priority keep their order, and the message is the same bytes as in one go. Counted in
/// slices, not timed.
@Suite struct SlicedDecompressionTests {
    static let sliceBytes = 64 * 1024

    static func payload(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SeededRandom(seed: seed)
        // Compressible (runs), with noise, so zstd emits real blocks.
        return (0..<count).map { index in index % 97 < 80 ? UInt8(index / 4096 % 251) : UInt8.random(in: 0...255, using: &random) }
    }

    static func frame(_ payload: [UInt8], kind: FrameKind = .oneway, priority: UInt8, id: UInt64, encoder: FrameEncoder) throws -> [UInt8] {
        var frame: [UInt8] = []
        try payload.withUnsafeBytes { try encoder.append(kind: kind, priority: priority, messageID: id, payload: $0, to: &frame) }
        return frame
    }

    static func decoder(slicing: Bool) -> FrameDecoder {
        var decoder = WireFramesTestSupport.decoder(frameBytesMax: 8 << 20, acceptsCompression: true)
        decoder.acceptsFragments = true
        if slicing { decoder.decompressionSliceBytes = sliceBytes }
        return decoder
    }

    @Test func aHigherPriorityFrameComesOutBeforeTheSlicedMessageAndTheSamePriorityAfter() throws {
        let encoder = FrameEncoder(frameBytesMax: 8 << 20, checksum: false, compressionThresholdBytes: 1024)
        let large = Self.payload(2 << 20, seed: 7)
        let control = Array("ping".utf8)
        let later = Array("after".utf8)
        var wire = try Self.frame(large, priority: 0, id: 1, encoder: encoder)
        #expect(FrameFlags(rawValue16: wire).isCompressed)
        wire += try Self.frame(control, priority: 3, id: 2, encoder: encoder)
        wire += try Self.frame(later, priority: 0, id: 3, encoder: encoder)
        var decoder = Self.decoder(slicing: true)
        wire.withUnsafeBytes { decoder.feed($0) }

        // The control frame first: no slice of the large message ran before it.
        let first = try #require(try decoder.nextFrame())
        #expect(first.messageID == 2 && Array(first.payload) == control)
        #expect(decoder.slicesDone == 0)
        // The frame of the same priority waits for the large message.
        let blocked = try decoder.nextFrame()
        #expect(blocked == nil)
        #expect(decoder.isDecompressingInSlices)
        var message: Frame?
        var slices = 0
        while message == nil {
            message = try decoder.nextSlice()
            slices += 1
            #expect(slices <= large.count / Self.sliceBytes + 2, "sliced without end")
        }
        // Each slice produced at most a slice of output: the work per call is bounded.
        #expect(slices >= large.count / Self.sliceBytes)
        let whole = try #require(message)
        #expect(whole.messageID == 1 && whole.priority == 0)
        let intact = Array(whole.payload) == large
        #expect(intact)
        let next = try #require(try decoder.nextFrame())
        #expect(next.messageID == 3 && Array(next.payload) == later)
    }

    /// The same frames through a decoder that slices and one that does not give the same
    /// messages (fragmented or whole), the same-priority ones in the same order.
    @Test(arguments: [UInt64(21), 22, 23])
    func slicedEqualsOneShot(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let encoder = FrameEncoder(frameBytesMax: 8 << 20, checksum: true, compressionThresholdBytes: 1024)
        var wire: [UInt8] = []
        var sent: [(id: UInt64, bytes: [UInt8])] = []
        for id in 1...UInt64(6) {
            let payload = Self.payload(Int.random(in: 10...(1 << 20), using: &random), seed: seed &+ id)
            sent.append((id, payload))
            if Bool.random(using: &random) {
                wire += try Self.frame(payload, priority: 1, id: id, encoder: encoder)
            } else {
                for piece in try FragmentTests.fragments(of: payload, kind: .oneway, id: id, pieceBytes: 50_000, encoder: encoder) {
                    wire += piece
                }
            }
        }
        var oneShot = Self.decoder(slicing: false)
        oneShot.requiresChecksum = true
        var sliced = Self.decoder(slicing: true)
        sliced.requiresChecksum = true
        wire.withUnsafeBytes { oneShot.feed($0); sliced.feed($0) }
        var fromOneShot: [[UInt8]] = []
        while let frame = try oneShot.nextFrame() { fromOneShot.append(Array(frame.payload)) }
        var fromSliced: [[UInt8]] = []
        while true {
            if let frame = try sliced.nextFrame() {
                fromSliced.append(Array(frame.payload))
            } else if sliced.isDecompressingInSlices {
                if let frame = try sliced.nextSlice() { fromSliced.append(Array(frame.payload)) }
            } else {
                break
            }
        }
        // Compared as booleans: a failure prints sizes, not megabytes of bytes.
        let oneShotIsSent = fromOneShot == sent.map(\.bytes)
        let slicedIsOneShot = fromSliced == fromOneShot
        #expect(oneShotIsSent, "seed \(seed): \(fromOneShot.map(\.count)) against \(sent.map(\.bytes.count))")
        #expect(slicedIsOneShot, "seed \(seed): \(fromSliced.map(\.count)) against \(fromOneShot.map(\.count))")
    }

    /// A frame whose content is shorter than it declares fails, with nothing handed out.
    @Test func aFrameThatLiesAboutItsSizeFails() throws {
        let payload = Self.payload(300_000, seed: 9)
        let compressing = ZstdCompressionContext()
        var compressed: [UInt8] = []
        try payload.withUnsafeBytes { try compressing.compress($0, level: 3, into: &compressed) }
        // Cut the frame short: the declaration says 300,000 bytes, the blocks end early.
        let truncated = Array(compressed.prefix(compressed.count / 2))
        let work = try ZstdSlicedDecompression(truncated, declaredSize: payload.count, cap: 1 << 20, sliceBytes: Self.sliceBytes)
        #expect(throws: WireError.self) {
            for _ in 0..<100 { if try work.step() != nil { return } }
        }
    }
}
