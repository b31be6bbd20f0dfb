import Testing
@testable import FabricWire

@Suite struct CompressionTests {
    /// 1,000,000 zero bytes compressed by the zstd command line from a pipe: 51 bytes that do
    /// not declare their decompressed size.
    static let millionZerosUndeclared = WireFramesTestSupport.bytes(
        hex: "28b52ffd04485400001000000100fbff39c00202001000020010000200100002001000020010000200100003120a00ccaeca39")

    static func compress(_ input: [UInt8]) throws(WireError) -> [UInt8] {
        var output: [UInt8] = []
        let outcome = input.withUnsafeBytes { raw in
            Result { () throws(WireError) in try Compression.compress(raw, into: &output) }
        }
        try outcome.get()
        return output
    }

    static func decompress(_ input: [UInt8], cap: Int, into output: inout [UInt8]) throws(WireError) {
        let outcome = input.withUnsafeBytes { raw in
            Result { () throws(WireError) in try Compression.decompress(raw, outputBytesMax: cap, into: &output) }
        }
        try outcome.get()
    }

    @Test(arguments: [0, 1, 100, 70_000, 1 << 20])
    func roundTripsAndAppends(size: Int) throws {
        var random = WireFramesRandom(seed: UInt64(size))
        let input = (0..<size).map { index in index % 3 == 0 ? UInt8.random(in: 0...255, using: &random) : UInt8(index % 7) }
        let compressed = try Self.compress(input)
        var output: [UInt8] = [0xAA]
        try Self.decompress(compressed, cap: size, into: &output)
        #expect(output == [0xAA] + input)
    }

    @Test func undeclaredBombFailsWithoutAllocatingPastTheCap() {
        var output: [UInt8] = [1, 2, 3]
        let error = #expect(throws: WireError.self) {
            try Self.decompress(Self.millionZerosUndeclared, cap: 64 * 1024, into: &output)
        }
        #expect(error?.code == .decompressionFailed)
        #expect(output == [1, 2, 3])
        #expect(output.capacity <= 2 * 64 * 1024)
    }

    @Test func outputExactlyAtTheCapIsAccepted() throws {
        var output: [UInt8] = []
        try Self.decompress(Self.millionZerosUndeclared, cap: 1_000_000, into: &output)
        #expect(output.count == 1_000_000 && output.allSatisfy { $0 == 0 })
        var tooSmall: [UInt8] = []
        #expect(throws: WireError.self) { try Self.decompress(Self.millionZerosUndeclared, cap: 999_999, into: &tooSmall) }
    }

    @Test func declaredSizeOverTheCapFailsAtOnce() throws {
        let compressed = try Self.compress([UInt8](repeating: 0, count: 200_000))
        var output: [UInt8] = []
        let error = #expect(throws: WireError.self) { try Self.decompress(compressed, cap: 100_000, into: &output) }
        #expect(error?.code == .decompressionFailed)
        #expect(error?.message.contains("declares") == true)
        #expect(output.capacity < 100_000)
    }

    @Test func corruptTruncatedTrailingAndForeignInputFail() throws {
        let input = Array("the quick brown fox jumps over the lazy dog, again and again and again".utf8)
        let compressed = try Self.compress(input)
        // A flipped bit inside a literal run decodes to other bytes without an error (frames
        // carry no zstd checksum: the frame's CRC32C covers integrity); a broken header fails.
        var corrupt = compressed
        corrupt[4] ^= 0xFF
        let cases: [[UInt8]] = [
            [], [1, 2, 3, 4, 5, 6, 7, 8], Array(compressed.dropLast()), compressed + [0], corrupt,
            Array(compressed.prefix(4)),
        ]
        for bytes in cases {
            var output: [UInt8] = []
            let error = #expect(throws: WireError.self) { try Self.decompress(bytes, cap: 1 << 20, into: &output) }
            #expect(error?.code == .decompressionFailed)
            #expect(output.isEmpty)
        }
    }
}
