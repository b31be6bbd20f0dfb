import Testing
@testable import FabricWire

@Suite struct CRC32CTests {
    /// Bit-at-a-time CRC-32C, the textbook definition, to check the table-driven one against.
    static func reference(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    static func checksum(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { CRC32C.checksum($0, seed: seed) }
    }

    @Test func knownVectors() {
        #expect(Self.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(Self.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(Self.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(Self.checksum([]) == 0)
    }

    @Test func matchesBitwiseReferenceAtEveryLengthAndAlignment() {
        var random = WireFramesRandom(seed: 0xC0FFEE)
        let data = random.bytes(count: 300)
        for start in 0..<9 {
            for length in stride(from: 0, through: data.count - start, by: 7) {
                let slice = Array(data[start..<(start + length)])
                #expect(Self.checksum(slice) == Self.reference(slice), "start \(start) length \(length)")
            }
        }
    }

    @Test func seedChainsChecksums() {
        var random = WireFramesRandom(seed: 7)
        let first = random.bytes(count: 37)
        let second = random.bytes(count: 91)
        #expect(Self.checksum(second, seed: Self.checksum(first)) == Self.checksum(first + second))
    }
}
