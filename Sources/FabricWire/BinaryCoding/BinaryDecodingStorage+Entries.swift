/// One entry of a keyed container as found in the input.
struct BinaryEntry {
    /// The key's varint (an integer key's whole form, or a string key's length times two).
    var keyHeader: UInt64
    /// A string key's bytes.
    var keyStart: Int
    var keyEnd: Int
    var valueStart: Int
    var valueEnd: Int
    /// Value code 0.
    var isNil: Bool
}

/// Finding keyed entries.
extension BinaryDecodingStorage {
    /// Reads the entry at `position` (which moves past it).
    func readEntry(at position: inout Int, end: Int) throws(WireError) -> BinaryEntry {
        let keyHeader = try BinaryWireFormat.readVarint(input, at: &position, end: end)
        let keyStart = position
        if keyHeader & 1 == 0 {
            guard keyHeader >> 1 <= UInt64(end - position) else { throw BinaryWireFormat.truncated("a key") }
            position += Int(keyHeader >> 1)
        }
        let keyEnd = position
        let code = try BinaryWireFormat.readVarint(input, at: &position, end: end)
        if code == BinaryWireFormat.nilValueCode {
            return BinaryEntry(
                keyHeader: keyHeader, keyStart: keyStart, keyEnd: keyEnd, valueStart: position,
                valueEnd: position, isNil: true)
        }
        guard code - 1 <= UInt64(end - position) else { throw BinaryWireFormat.truncated("an entry's value") }
        let valueStart = position
        position += Int(code - 1)
        return BinaryEntry(
            keyHeader: keyHeader, keyStart: keyStart, keyEnd: keyEnd, valueStart: valueStart,
            valueEnd: position, isNil: false)
    }

    /// The entry for `key` in the keyed container of `frame`, or nil if there is none.
    ///
    /// The search starts after the entry found last and wraps around, so keys read in the
    /// order they were written cost one entry each.
    mutating func findEntry<Key: CodingKey>(_ key: Key, in header: BinaryContainerHeader, frame: Int) throws(WireError) -> BinaryEntry? {
        let form = BinaryWireFormat.KeyForm(key)
        var position = frames[frame].nextEntryPosition
        var index = frames[frame].nextEntryIndex
        for _ in 0..<header.count {
            if index == header.count {
                position = header.bodyStart
                index = 0
            }
            let entry = try readEntry(at: &position, end: header.bodyEnd)
            index += 1
            if matches(entry, form) {
                frames[frame].nextEntryPosition = position
                frames[frame].nextEntryIndex = index
                return entry
            }
        }
        return nil
    }

    private func matches(_ entry: BinaryEntry, _ form: BinaryWireFormat.KeyForm) -> Bool {
        switch form {
        case .integer(let header):
            return entry.keyHeader == header
        case .string(let name):
            let length = entry.keyEnd - entry.keyStart
            guard entry.keyHeader & 1 == 0, length == name.utf8.count else { return false }
            let stored = UnsafeRawBufferPointer(rebasing: input[entry.keyStart..<entry.keyEnd])
            return name.utf8.withContiguousStorageIfAvailable { wanted in
                BinaryWireFormat.bytesEqual(UnsafeRawBufferPointer(wanted), stored)
            } ?? name.utf8.elementsEqual(stored)
        }
    }

    /// Every key of the keyed container of `frame` that `Key` can represent, in order.
    func allKeys<Key: CodingKey>(_ type: Key.Type, in header: BinaryContainerHeader, frame: Int) throws(WireError) -> [Key] {
        var keys: [Key] = []
        keys.reserveCapacity(header.count)
        var position = header.bodyStart
        for _ in 0..<header.count {
            let entry = try readEntry(at: &position, end: header.bodyEnd)
            if entry.keyHeader & 1 == 1 {
                let integer = BinaryWireFormat.unzigzag(entry.keyHeader >> 1)
                guard let value = Int(exactly: integer) else { continue }
                if let key = Key(intValue: value) ?? Key(stringValue: String(value)) { keys.append(key) }
            } else {
                let bytes = UnsafeRawBufferPointer(rebasing: input[entry.keyStart..<entry.keyEnd])
                guard let name = BinaryWireFormat.makeString(utf8: bytes) else {
                    throw WireError(.malformed, "a key is not valid UTF-8")
                }
                if let key = Key(stringValue: name) { keys.append(key) }
            }
        }
        guard position == header.bodyEnd else {
            throw WireError(.malformed, "a keyed container has \(header.bodyEnd - position) bytes after its entries")
        }
        return keys
    }
}
