import FabricCore

/// The handshake's decisions, as pure functions: the acceptor's answer to a hello and the
/// dialer's check of the welcome. The transport sends, receives and times out; this decides.
///
/// Rules: the version is the highest both speak; compression and checksums are used only if
/// both offer them; the frame limit is the smaller of the two, kept within
/// `Limits.frameBytesFloor...Limits.frameBytesCeiling`.
package enum HandshakeNegotiation {
    /// The acceptor's answer to `hello`: a welcome with the agreement, or a refusal that says
    /// what did not match (with both sides' values) and no agreement.
    package static func answer(
        _ hello: Hello, localCluster: String, localNode: NodeId, localGeneration: UInt64,
        localAddress: NodeAddress?, localCapabilities: Capabilities, supported: ClosedRange<UInt16>,
        peers: [PeerInfo]
    ) -> (HandshakeMessage, Agreement?) {
        guard let version = commonVersion(hello.versionMin, hello.versionMax, supported) else {
            return refuse(
                .versionMismatch,
                "no common protocol version: the peer speaks \(hello.versionMin)...\(hello.versionMax), this node \(supported.lowerBound)...\(supported.upperBound)"
            )
        }
        guard hello.cluster == localCluster else {
            return refuse(
                .clusterMismatch,
                "cluster mismatch: the peer is in \(hello.cluster.debugDescription), this node in \(localCluster.debugDescription)"
            )
        }
        guard hello.node != localNode else {
            return refuse(.sameNodeName, "the peer uses this node's own name \(localNode.name.debugDescription)")
        }
        let agreement = Agreement(
            version: version,
            compression: hello.capabilities.compression && localCapabilities.compression,
            checksum: hello.capabilities.checksum && localCapabilities.checksum,
            frameBytesMax: agreedFrameBytesMax(hello.capabilities.frameBytesMax, localCapabilities.frameBytesMax),
            skipsUnknownSystemMessages: hello.capabilities.skipsUnknownSystemMessages
                && localCapabilities.skipsUnknownSystemMessages,
            fragments: hello.capabilities.fragments && localCapabilities.fragments)
        let welcome = Welcome(
            version: version, node: localNode, generation: localGeneration, advertisedAddress: localAddress,
            capabilities: Capabilities(
                compression: agreement.compression, checksum: agreement.checksum,
                frameBytesMax: UInt32(agreement.frameBytesMax), encryption: false,
                skipsUnknownSystemMessages: agreement.skipsUnknownSystemMessages, fragments: agreement.fragments),
            peers: peers)
        return (.welcome(welcome), agreement)
    }

    /// The dialer's check of the welcome it got for `offered`: the version must be one it
    /// offered (`unsupportedVersion`), no capability it did not offer (`malformed`), no
    /// encryption (`unsupported`), a frame limit between `Limits.frameBytesFloor` and what it
    /// offered (`limitExceeded`).
    package static func agreement(from welcome: Welcome, offered: Hello) throws(WireError) -> Agreement {
        guard offered.versionMin <= welcome.version, welcome.version <= offered.versionMax else {
            throw WireError(
                .unsupportedVersion,
                "the peer chose version \(welcome.version), this node offered \(offered.versionMin)...\(offered.versionMax)")
        }
        let agreed = welcome.capabilities
        guard !agreed.compression || offered.capabilities.compression else {
            throw WireError(.malformed, "the peer agreed to compression, which was not offered")
        }
        guard !agreed.checksum || offered.capabilities.checksum else {
            throw WireError(.malformed, "the peer agreed to checksums, which were not offered")
        }
        guard !agreed.skipsUnknownSystemMessages || offered.capabilities.skipsUnknownSystemMessages else {
            throw WireError(.malformed, "the peer agreed to skip unknown system messages, which was not offered")
        }
        guard !agreed.fragments || offered.capabilities.fragments else {
            throw WireError(.malformed, "the peer agreed to fragments, which were not offered")
        }
        guard !agreed.encryption else {
            throw WireError(.unsupported, "the peer agreed to encryption, which is not supported")
        }
        let highest = agreedFrameBytesMax(offered.capabilities.frameBytesMax, UInt32(Limits.frameBytesCeiling))
        let frameBytesMax = Int(agreed.frameBytesMax)
        guard frameBytesMax >= Limits.frameBytesFloor, frameBytesMax <= highest else {
            throw WireError(
                .limitExceeded,
                "the peer agreed to frames of \(frameBytesMax) bytes, outside \(Limits.frameBytesFloor)...\(highest)")
        }
        return Agreement(
            version: welcome.version, compression: agreed.compression, checksum: agreed.checksum,
            frameBytesMax: frameBytesMax, skipsUnknownSystemMessages: agreed.skipsUnknownSystemMessages,
            fragments: agreed.fragments)
    }

    /// The highest version in both ranges, or nil when they do not overlap.
    static func commonVersion(_ peerMin: UInt16, _ peerMax: UInt16, _ local: ClosedRange<UInt16>) -> UInt16? {
        let highest = min(peerMax, local.upperBound)
        return highest >= max(peerMin, local.lowerBound) ? highest : nil
    }

    /// The smaller of two frame limits, clamped to `Limits.frameBytesFloor...frameBytesCeiling`.
    static func agreedFrameBytesMax(_ first: UInt32, _ second: UInt32) -> Int {
        min(max(Int(min(first, second)), Limits.frameBytesFloor), Limits.frameBytesCeiling)
    }

    private static func refuse(_ reason: RefusalReason, _ message: String) -> (HandshakeMessage, Agreement?) {
        (.refusal(Refusal(reason: reason, message: message)), nil)
    }
}
