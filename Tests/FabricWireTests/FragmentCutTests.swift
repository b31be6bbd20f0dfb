import FabricCore
import Testing
@testable import FabricWire

/// Fragments cut from a two-part payload (a call's envelope header after its arguments) where
/// the parts lie, and large payloads compressed without joining the parts: the bytes on the
/// wire are the same as from a joined copy (issue 14, §2).
@Suite struct FragmentCutTests {
    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    /// Every piece of every cut, across the point where the parts meet, is the same bytes as
    /// the same range of the joined payload.
    @Test(arguments: [(0, 10), (10, 0), (3, 7), (1000, 5), (5, 1000)])
    func aCutCoversTheSameBytesAsTheJoinedPayload(firstBytes: Int, secondBytes: Int) {
        let first = Self.bytes(firstBytes, seed: 1)
        let second = Self.bytes(secondBytes, seed: 2)
        let joined = first + second
        for start in stride(from: 0, through: joined.count, by: 3) {
            for end in stride(from: start, through: joined.count, by: 7) {
                let cut = FragmentCut(start..<end, firstBytes: first.count, secondBytes: second.count)
                let pieced = Array(first[cut.inFirst]) + Array(second[cut.inSecond])
                #expect(pieced == Array(joined[start..<end]), "\(start)..<\(end) of \(firstBytes)+\(secondBytes)")
            }
        }
    }

    /// A message sent in fragments cut from its two parts reassembles to the joined payload,
    /// byte for byte (seeded; the seed is in the failure message).
    @Test(arguments: [UInt64(11), 12, 13])
    func fragmentsCutFromTwoPartsReassembleToTheJoinedPayload(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let second = Self.bytes(Int.random(in: 1...300_000, using: &random), seed: seed)
        let first = Self.bytes(Int.random(in: 0...200, using: &random), seed: seed &+ 1)
        let pieceBytes = Int.random(in: 1_000...70_000, using: &random)
        let encoder = FrameEncoder(frameBytesMax: 4 << 20, checksum: true, compressionThresholdBytes: nil)
        let total = first.count + second.count
        var wire: [UInt8] = []
        var sent = 0
        while sent < total {
            let end = min(sent + pieceBytes, total)
            let cut = FragmentCut(sent..<end, firstBytes: first.count, secondBytes: second.count)
            try first[cut.inFirst].withUnsafeBytes { head in
                try second[cut.inSecond].withUnsafeBytes { tail in
                    try encoder.appendFragment(
                        kind: .call, priority: 0, messageID: 9, payload: head, then: tail, isCompressed: false,
                        moreFollow: end < total, to: &wire)
                }
            }
            sent = end
        }
        var decoder = FragmentTests.decoder()
        decoder.requiresChecksum = true
        wire.withUnsafeBytes { decoder.feed($0) }
        let frame = try #require(try decoder.nextFrame(), "seed \(seed)")
        #expect(Array(frame.payload) == first + second, "seed \(seed)")
        let rest = try decoder.nextFrame()
        #expect(rest == nil)
    }

    /// Compressing the two parts as one stream gives a zstd frame that decompresses to the
    /// joined payload and declares its size; a payload that does not shrink is not compressed.
    @Test func twoPartsCompressAsTheirJoinedBytes() throws {
        let encoder = FrameEncoder(frameBytesMax: 32 << 20, checksum: false, compressionThresholdBytes: 1024)
        let first = Array("header".utf8)
        let second = [UInt8](repeating: 0xBB, count: 3 << 20) + Self.bytes(5000, seed: 3)
        let compressed = try #require(
            try first.withUnsafeBytes { head in
                try second.withUnsafeBytes { try encoder.compressedForFragments(kind: .call, first: head, then: $0) }
            })
        #expect(compressed.count < 100_000)
        let context = ZstdDecompressionContext()
        var output: [UInt8] = []
        try compressed.withUnsafeBytes { try context.decompress($0, outputBytesMax: 32 << 20, into: &output) }
        #expect(output == first + second)
        let noise = Self.bytes(200_000, seed: 4)
        let notSmaller = try noise.withUnsafeBytes { head in
            try encoder.compressedForFragments(kind: .call, first: head, then: UnsafeRawBufferPointer(start: nil, count: 0))
        }
        #expect(notSmaller == nil)
    }

    /// Decompressing a frame that declares its size into an uncleared array gives the same
    /// bytes as the general path (appending to a non-empty array), and a frame whose content
    /// passes the cap still fails.
    @Test func declaredSizeDecompressionEqualsTheGeneralPath() throws {
        let payload = [UInt8](repeating: 7, count: 1 << 20) + Self.bytes(100_000, seed: 5)
        let compressing = ZstdCompressionContext()
        var compressed: [UInt8] = []
        try payload.withUnsafeBytes { try compressing.compress($0, level: 3, into: &compressed) }
        let context = ZstdDecompressionContext()
        var fast: [UInt8] = []
        try compressed.withUnsafeBytes { try context.decompress($0, outputBytesMax: 2 << 20, into: &fast) }
        var general: [UInt8] = [42]
        try compressed.withUnsafeBytes { try context.decompress($0, outputBytesMax: 2 << 20, into: &general) }
        #expect(fast == payload)
        #expect(Array(general.dropFirst()) == payload)
        var capped: [UInt8] = []
        #expect(throws: WireError.self) {
            try compressed.withUnsafeBytes { try context.decompress($0, outputBytesMax: payload.count - 1, into: &capped) }
        }
        #expect(capped.isEmpty)
    }
}
