/// Recognizes `Optional` so the coders can give each level of `T??` its own nil.
enum BinaryOptionalDetection {
    /// The metadata kind of `Optional` in the Swift runtime ABI (`MetadataKind::Optional`:
    /// `2 | MetadataKindIsNonHeap`; docs/ABI/TypeMetadata.rst in the Swift repository).
    static let optionalMetadataKind = 0x202

    /// Whether `T` is some `Optional`.
    ///
    /// Every type metadata record starts with its kind, so this is one load; a conformance
    /// cast (what the coders do once they know the answer is yes) costs tens of nanoseconds
    /// for every nested value that is not optional. A test pins this against the cast.
    @inline(__always)
    static func isOptional<T>(_ type: T.Type) -> Bool {
        let metatype: Any.Type = type
        let metadata = unsafeBitCast(metatype, to: UnsafeRawPointer.self)
        return metadata.load(as: Int.self) == optionalMetadataKind
    }
}

/// What the encoder does with an optional it meets: called back with its wrapped value's
/// static type, which the encoder could not name otherwise.
protocol BinaryOptionalEncodingVisitor {
    /// The optional is nil.
    mutating func visitNil() throws
    /// The optional holds `value`.
    mutating func visit<Wrapped: Encodable>(_ value: Wrapped) throws
}

/// `Optional` as the encoder sees it.
protocol BinaryEncodableOptional {
    /// Calls `visitor` with what this optional holds.
    func acceptBinaryVisitor<Visitor: BinaryOptionalEncodingVisitor>(_ visitor: inout Visitor) throws
}

extension Optional: BinaryEncodableOptional where Wrapped: Encodable {
    func acceptBinaryVisitor<Visitor: BinaryOptionalEncodingVisitor>(_ visitor: inout Visitor) throws {
        switch self {
        case .none: try visitor.visitNil()
        case .some(let wrapped): try visitor.visit(wrapped)
        }
    }
}

/// What the decoder does for an optional it is asked for.
protocol BinaryOptionalDecodingVisitor {
    /// Whether the slot holds nil (consuming the nil or the presence byte that says so).
    mutating func isNil() throws -> Bool
    /// Decodes the wrapped value that the slot holds.
    mutating func decodeWrapped<Wrapped: Decodable>(_ type: Wrapped.Type) throws -> Wrapped
}

/// `Optional` as the decoder sees it.
protocol BinaryDecodableOptional {
    /// Decodes an optional through `visitor`.
    static func decodeBinary<Visitor: BinaryOptionalDecodingVisitor>(with visitor: inout Visitor) throws -> Self
}

extension Optional: BinaryDecodableOptional where Wrapped: Decodable {
    static func decodeBinary<Visitor: BinaryOptionalDecodingVisitor>(with visitor: inout Visitor) throws -> Self {
        if try visitor.isNil() { return nil }
        return .some(try visitor.decodeWrapped(Wrapped.self))
    }
}

extension BinaryOptionalDetection {
    /// Hands the optional `value` (whose type `T` is known to be an `Optional`) to `visitor`.
    static func visit<T: Encodable, Visitor: BinaryOptionalEncodingVisitor>(
        _ value: T, with visitor: inout Visitor
    ) throws {
        guard let optional = T.self as? any BinaryEncodableOptional.Type else {
            preconditionFailure("\(T.self) has Optional's metadata kind but is not an Optional")
        }
        try visitOpened(optional, value, &visitor)
    }

    private static func visitOpened<O: BinaryEncodableOptional, T, Visitor: BinaryOptionalEncodingVisitor>(
        _: O.Type, _ value: T, _ visitor: inout Visitor
    ) throws {
        try unsafeBitCast(value, to: O.self).acceptBinaryVisitor(&visitor)
    }

    /// Decodes the optional type `T` through `visitor`.
    static func decode<T: Decodable, Visitor: BinaryOptionalDecodingVisitor>(
        _ type: T.Type, with visitor: inout Visitor
    ) throws -> T {
        guard let optional = T.self as? any BinaryDecodableOptional.Type else {
            preconditionFailure("\(T.self) has Optional's metadata kind but is not an Optional")
        }
        return try decodeOpened(optional, as: T.self, &visitor)
    }

    private static func decodeOpened<O: BinaryDecodableOptional, T, Visitor: BinaryOptionalDecodingVisitor>(
        _: O.Type, as _: T.Type, _ visitor: inout Visitor
    ) throws -> T {
        unsafeBitCast(try O.decodeBinary(with: &visitor), to: T.self)
    }
}
