/// CRC-32C (Castagnoli), the checksum of a frame's optional trailer.
///
/// Castagnoli's polynomial detects more error patterns in the message sizes Fabric sends than
/// the IEEE CRC-32, and it is the one iSCSI, ext4 and most RPC systems settled on. Pure Swift with
/// slicing-by-8 (eight 256-entry tables, one 8-byte word per step), so FabricWire needs no C.
/// Reflected polynomial `0x82F63B78`, initial value and final XOR `0xFFFFFFFF`.
package enum CRC32C {
    /// The reflected Castagnoli polynomial.
    static let polynomial: UInt32 = 0x82F6_3B78

    /// Eight tables of 256 entries, one after the other: table 0 is the byte-at-a-time table and
    /// table `k` advances a byte's contribution over `k` further zero bytes. Computed once, on
    /// first use.
    static let tables: [UInt32] = makeTables()

    /// The CRC-32C of `bytes`. `seed` is the checksum of the bytes before these ones (0 when
    /// there are none), so `checksum(b, seed: checksum(a))` is the checksum of `a` then `b`.
    package static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        tables.withUnsafeBufferPointer { table in
            var crc = ~seed
            var offset = 0
            let count = bytes.count
            while count - offset >= 8 {
                let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                let low = UInt32(truncatingIfNeeded: word) ^ crc
                let high = UInt32(truncatingIfNeeded: word &>> 32)
                crc = table[7 &* 256 &+ Int(low & 0xFF)]
                    ^ table[6 &* 256 &+ Int((low &>> 8) & 0xFF)]
                    ^ table[5 &* 256 &+ Int((low &>> 16) & 0xFF)]
                    ^ table[4 &* 256 &+ Int(low &>> 24)]
                    ^ table[3 &* 256 &+ Int(high & 0xFF)]
                    ^ table[2 &* 256 &+ Int((high &>> 8) & 0xFF)]
                    ^ table[1 &* 256 &+ Int((high &>> 16) & 0xFF)]
                    ^ table[Int(high &>> 24)]
                offset &+= 8
            }
            while offset < count {
                crc = table[Int((crc ^ UInt32(bytes[offset])) & 0xFF)] ^ (crc &>> 8)
                offset &+= 1
            }
            return ~crc
        }
    }

    /// Builds the slicing-by-8 tables.
    private static func makeTables() -> [UInt32] {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ polynomial : crc >> 1
            }
            tables[byte] = crc
        }
        for slice in 1..<8 {
            for byte in 0..<256 {
                let previous = tables[(slice - 1) * 256 + byte]
                tables[slice * 256 + byte] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }
}
