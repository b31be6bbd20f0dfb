/// The versions of Fabric's wire protocol, negotiated in the handshake so that nodes of
/// different releases can run side by side during a rolling upgrade.
package enum ProtocolVersion {
    /// The version this build speaks best.
    package static let current: UInt16 = 1
    /// Every version this build can speak.
    package static let supported: ClosedRange<UInt16> = 1...1
}
