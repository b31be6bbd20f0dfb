/// Decodes `Decodable` values from Fabric's compact binary format (see `BinaryWireFormat`).
///
/// Input is untrusted: every length and count is checked against the bytes that remain before
/// anything is allocated, nesting is capped by `Limits.codingDepthMax`, and any problem is a
/// `WireError`, never a crash. Public so that applications can check in their tests that their
/// types survive the trip.
package struct BinaryDecoder: Sendable {
    /// Handed to every `init(from:)` as `Decoder.userInfo` (the actor system puts itself there
    /// so that actor references can be decoded as arguments).
    package var userInfo: [CodingUserInfoKey: any Sendable]
    /// More `userInfo`, from an object this coder does not keep alive (the actor system's own
    /// coders carry the system this way).
    package var context: UnownedCodingContext?

    /// An decoder that hands `userInfo` to the values it codes.
    package init(userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.userInfo = userInfo
    }

    /// Decodes a `T` that must use all of `bytes` (else `trailingBytes`).
    package func decode<T: Decodable>(_ type: T.Type, from bytes: UnsafeRawBufferPointer) throws(WireError) -> T {
        if T.self == [UInt8].self {
            // The most common argument, decoded by concrete code.
            return unsafeBitCast(try Self.decodeBytes(bytes), to: T.self)
        }
        if let primitive = BinaryPrimitive.of(T.self) {
            var position = 0
            let value = try primitive.read(type, bytes, at: &position, end: bytes.count)
            guard position == bytes.count else {
                throw WireError(.trailingBytes, "\(bytes.count - position) bytes left after \(T.self)")
            }
            return value
        }
        let state = BinaryDecodingState(input: bytes, userInfo: userInfo, context: context)
        // Containers kept past this call must not read `bytes` afterwards: ending the state
        // makes every one of them stale.
        defer { state.storage.pointee.end() }
        do {
            let value = try state.decodeTopLevel(type)
            if let deferred = state.storage.pointee.deferredError { throw deferred }
            return value
        } catch {
            if let deferred = state.storage.pointee.deferredError { throw deferred }
            let wire = WireError.codingFailure(error, coding: T.self, isDecoding: true)
            if error is WireError, let path = state.storage.pointee.failurePath {
                throw wire.withCodingPath( path)
            }
            throw wire
        }
    }

    private static func decodeBytes(from slice: ArraySlice<UInt8>) throws(WireError) -> [UInt8] {
        var decoded: [UInt8] = []
        let failure = slice.withUnsafeBytes { raw -> WireError? in
            do throws(WireError) {
                decoded = try decodeBytes(raw)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
        return decoded
    }

    private static func decodeBytes(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> [UInt8] {
        var position = 0
        let (count, bodyEnd) = try BinaryPrimitive.readArrayHeader(bytes, at: &position, end: bytes.count)
        guard bodyEnd - position == count else {
            throw WireError(.typeMismatch, "\(count) bytes need \(count) bytes of body, found \(bodyEnd - position)")
        }
        guard bodyEnd == bytes.count else {
            throw WireError(.trailingBytes, "\(bytes.count - bodyEnd) bytes left after [UInt8]")
        }
        return [UInt8](UnsafeRawBufferPointer(rebasing: bytes[position..<bodyEnd]))
    }

    /// Decodes a `T` that must use all of `bytes` (else `trailingBytes`).
    package func decode<T: Decodable>(_ type: T.Type, from bytes: ArraySlice<UInt8>) throws(WireError) -> T {
        if T.self == [UInt8].self {
            // The most common argument and result, without the generic closure below (in
            // unspecialized code it costs a generic metadata lookup per call).
            return unsafeBitCast(try Self.decodeBytes(from: bytes), to: T.self)
        }
        do {
            return try bytes.withUnsafeBytes { raw in try decode(type, from: raw) }
        } catch {
            throw Self.rethrown(error)
        }
    }

    /// Decodes a `T` that must use all of `bytes` (else `trailingBytes`).
    package func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(WireError) -> T {
        do {
            return try bytes.withUnsafeBytes { raw in try decode(type, from: raw) }
        } catch {
            throw Self.rethrown(error)
        }
    }

    /// The `WireError` that came back through `withUnsafeBytes` (which types its errors as
    /// `any Error`). No `Result<T, _>` there: in unspecialized generic code every use of a type
    /// built from `T` is a runtime metadata lookup, which would cost more than the decoding.
    private static func rethrown(_ error: any Error) -> WireError {
        error as? WireError ?? WireError(.malformed, "\(error)")
    }
}
