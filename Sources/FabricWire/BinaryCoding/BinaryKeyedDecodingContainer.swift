/// A keyed container being decoded: keys are looked up in its entries in any order.
struct BinaryKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let state: BinaryDecodingState
    let frame: BinaryFrameReference
    let header: BinaryContainerHeader

    var codingPath: [any CodingKey] { state.storage.pointee.codingPath(endingAt: frame.index) }

    var allKeys: [Key] {
        do {
            try state.storage.pointee.checkLive(frame)
            return try state.storage.pointee.allKeys(Key.self, in: header, frame: frame.index)
        } catch {
            state.storage.pointee.recordDeferred(error, at: frame.index)
            return []
        }
    }

    func contains(_ key: Key) -> Bool {
        do {
            return try entry(key) != nil
        } catch {
            state.storage.pointee.recordDeferred(error, at: frame.index)
            return false
        }
    }

    private func entry(_ key: Key) throws(WireError) -> BinaryEntry? {
        try state.storage.pointee.checkLive(frame)
        return try state.storage.pointee.findEntry(key, in: header, frame: frame.index)
    }

    /// The entry for `key`, which must be there.
    private func requiredEntry(_ key: Key) throws(WireError) -> BinaryEntry {
        guard let found = try entry(key) else {
            throw WireError(.typeMismatch, "no entry \(Self.describe(key))")
        }
        return found
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        try requiredEntry(key).isNil
    }

    // MARK: Fast-path values

    /// Reads a fast-path value that must fill the entry exactly.
    /// The entry's length is known, so a value that runs past it is a mismatch of types, not
    /// a truncated input.
    private func readPrimitive<T>(_ type: T.Type, _ primitive: BinaryPrimitive, from entry: BinaryEntry, key: Key) throws(WireError) -> T {
        guard !entry.isNil else { throw BinaryDecodingStorage.foundNil(T.self).withDetail(Self.describe(key)) }
        var position = entry.valueStart
        let value: T
        do {
            value = try primitive.read(type, state.input, at: &position, end: entry.valueEnd)
        } catch {
            let code = error.code == .truncated ? .typeMismatch : error.code
            throw WireError(code, "\(error.message) \(Self.describe(key)) (\(entry.valueEnd - entry.valueStart) bytes)")
        }
        guard position == entry.valueEnd else {
            throw WireError(.typeMismatch,
                "\(T.self) \(Self.describe(key)) used \(position - entry.valueStart) of \(entry.valueEnd - entry.valueStart) bytes")
        }
        return value
    }

    /// `for key "name"`, for messages (cut: keys can come from the payload).
    private static func describe(_ key: Key) -> String {
        "for key \"\(key.stringValue.prefix(BinaryCodingPath.componentCharactersMax))\""
    }

    private func decodePrimitive<T>(_ type: T.Type, _ primitive: BinaryPrimitive, forKey key: Key) throws -> T {
        try readPrimitive(type, primitive, from: try requiredEntry(key), key: key)
    }

    private func decodePrimitiveIfPresent<T>(_ type: T.Type, _ primitive: BinaryPrimitive, forKey key: Key) throws -> T? {
        guard let found = try entry(key), !found.isNil else { return nil }
        return try readPrimitive(type, primitive, from: found, key: key)
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decodePrimitive(type, .bool, forKey: key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decodePrimitive(type, .string, forKey: key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decodePrimitive(type, .double, forKey: key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decodePrimitive(type, .float, forKey: key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decodePrimitive(type, .int, forKey: key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decodePrimitive(type, .int8, forKey: key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decodePrimitive(type, .int16, forKey: key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decodePrimitive(type, .int32, forKey: key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decodePrimitive(type, .int64, forKey: key) }
    func decode(_ type: Int128.Type, forKey key: Key) throws -> Int128 { try decodePrimitive(type, .int128, forKey: key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decodePrimitive(type, .uint, forKey: key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decodePrimitive(type, .uint8, forKey: key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decodePrimitive(type, .uint16, forKey: key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decodePrimitive(type, .uint32, forKey: key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decodePrimitive(type, .uint64, forKey: key) }
    func decode(_ type: UInt128.Type, forKey key: Key) throws -> UInt128 { try decodePrimitive(type, .uint128, forKey: key) }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try decodePrimitiveIfPresent(type, .bool, forKey: key) }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try decodePrimitiveIfPresent(type, .string, forKey: key) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try decodePrimitiveIfPresent(type, .double, forKey: key) }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try decodePrimitiveIfPresent(type, .float, forKey: key) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try decodePrimitiveIfPresent(type, .int, forKey: key) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try decodePrimitiveIfPresent(type, .int8, forKey: key) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try decodePrimitiveIfPresent(type, .int16, forKey: key) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try decodePrimitiveIfPresent(type, .int32, forKey: key) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try decodePrimitiveIfPresent(type, .int64, forKey: key) }
    func decodeIfPresent(_ type: Int128.Type, forKey key: Key) throws -> Int128? { try decodePrimitiveIfPresent(type, .int128, forKey: key) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try decodePrimitiveIfPresent(type, .uint, forKey: key) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try decodePrimitiveIfPresent(type, .uint8, forKey: key) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try decodePrimitiveIfPresent(type, .uint16, forKey: key) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try decodePrimitiveIfPresent(type, .uint32, forKey: key) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try decodePrimitiveIfPresent(type, .uint64, forKey: key) }
    func decodeIfPresent(_ type: UInt128.Type, forKey key: Key) throws -> UInt128? { try decodePrimitiveIfPresent(type, .uint128, forKey: key) }

    // MARK: Other values

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decode(type, from: try requiredEntry(key), key: key)
    }

    /// An absent key is nil; so is a nil entry for a `T` that is not itself optional (for an
    /// optional `T` a nil entry is `T`'s own nil: `.some(nil)` for `T??`).
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let found = try entry(key) else { return nil }
        if found.isNil, !BinaryOptionalDetection.isOptional(T.self) { return nil }
        return try decode(type, from: found, key: key)
    }

    private func decode<T: Decodable>(_ type: T.Type, from entry: BinaryEntry, key: Key) throws -> T {
        if let primitive = BinaryPrimitive.of(T.self) {
            return try readPrimitive(type, primitive, from: entry, key: key)
        }
        let mark = state.storage.pointee.frames.count
        let slot = try pushEntryFrame(entry, key: key)
        let value = try state.decodeFromSlot(type, frame: slot, isHandedOn: false)
        guard state.storage.pointee.frames[slot].consumedEnd == entry.valueEnd else {
            throw WireError(.typeMismatch,
                "\(T.self) used \(state.storage.pointee.frames[slot].consumedEnd - entry.valueStart) of \(entry.valueEnd - entry.valueStart) bytes")
        }
        state.storage.pointee.popFrames(to: mark)
        return value
    }

    private func pushEntryFrame<EntryKey: CodingKey>(_ entry: BinaryEntry, key: EntryKey) throws(WireError) -> Int {
        try state.storage.pointee.pushFrame(
            parent: frame.index, component: .key(key), kind: .entry, start: entry.valueStart,
            end: entry.valueEnd, presence: entry.isNil ? .nilValue : .value)
    }

    // MARK: Nested containers

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        let (nested, header) = try nestedHeader(forKey: key, keyed: true)
        return KeyedDecodingContainer(BinaryKeyedDecodingContainer<NestedKey>(state: state, frame: nested, header: header))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        let (nested, header) = try nestedHeader(forKey: key, keyed: false)
        return BinaryUnkeyedDecodingContainer(state: state, frame: nested, header: header)
    }

    private func nestedHeader(forKey key: Key, keyed: Bool) throws(WireError) -> (BinaryFrameReference, BinaryContainerHeader) {
        let found = try requiredEntry(key)
        let nested = try pushEntryFrame(found, key: key)
        state.storage.pointee.frames[nested].kind = .container
        let header = try state.storage.pointee.containerHeader(for: nested, keyed: keyed)
        guard header.bodyEnd == found.valueEnd else {
            throw WireError(.typeMismatch, "a nested container does not fill its entry")
        }
        return (state.storage.pointee.reference(to: nested), header)
    }

    func superDecoder() throws -> any Decoder {
        try makeSuperDecoder(forKey: BinarySuperKey())
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try makeSuperDecoder(forKey: key)
    }

    /// A decoder for the entry `key`; for an absent key, one that holds nil.
    private func makeSuperDecoder<SuperKey: CodingKey>(forKey key: SuperKey) throws -> any Decoder {
        try state.storage.pointee.checkLive(frame)
        let found = try state.storage.pointee.findEntry(key, in: header, frame: frame.index)
            ?? BinaryEntry(keyHeader: 0, keyStart: 0, keyEnd: 0, valueStart: header.bodyEnd, valueEnd: header.bodyEnd, isNil: true)
        return BinaryValueDecoder(state: state, frame: try pushEntryFrame(found, key: key))
    }
}
