/// One `BinaryEncoder.encode` call, shared by the `Encoder` and the containers it hands out
/// (which keep it alive while they exist).
final class BinaryEncodingState {
    /// The mutable state, owned by this object.
    let storage: UnsafeMutablePointer<BinaryEncodingStorage>
    let userInfo: [CodingUserInfoKey: any Sendable]
    private var userInfoForCodersStorage: [CodingUserInfoKey: Any]?

    /// Takes over `buffer` (leaving it empty) to append to it.
    init(buffer: inout [UInt8], userInfo: [CodingUserInfoKey: any Sendable]) {
        storage = BinaryStorageCaches.encoding.take()
        storage.pointee.setUp(buffer: &buffer)
        self.userInfo = userInfo
    }

    deinit {
        BinaryStorageCaches.encoding.give(storage)
    }

    /// `userInfo` as the `Encoder` protocol types it.
    var userInfoForCoders: [CodingUserInfoKey: Any] {
        if let converted = userInfoForCodersStorage { return converted }
        let converted = userInfo.mapValues { $0 as Any }
        userInfoForCodersStorage = converted
        return converted
    }
}
