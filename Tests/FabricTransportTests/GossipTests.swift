import FabricCore
import FabricReactor
import FabricWire
import Testing
@testable import FabricTransport

/// Gossip from one connection cannot poison what a node tells others (issue 14): names it only
/// heard of are bounded per sender, shared after the nodes it verified, and forgotten when they
/// never answer.
@Suite(.serialized) struct GossipTests {
    /// Dials nothing it hears of (so unverified names stay unverified), redials as usual.
    struct DialsNothingLearned: PeerDialPolicy {
        func shouldDial(learned peer: PeerInfo, in context: PeerDialContext) -> Bool { false }
        func shouldRedial(_ node: NodeId, generation: UInt64, wasVerified: Bool, in context: PeerDialContext) -> Bool {
            context.isListening
        }
    }

    /// `count` names nobody answers to, sorting before every live node's name.
    static func ghosts(_ count: Int, port: UInt16 = 1) -> [PeerInfo] {
        (0..<count).map { index in
            PeerInfo(
                node: NodeId(uncheckedValid: "ghost-\(String(1000 + index).dropFirst())"), generation: UInt64(index + 1),
                address: NodeAddress(uncheckedHost: "127.0.0.1", port: port))
        }
    }

    static func ghostCount(_ peers: [PeerInfo]) -> Int { peers.filter { $0.node.name.hasPrefix("ghost-") }.count }

    @Test func namesFromOneSenderAreBoundedAndAgeOutOnTheTransportsClock() throws {
        let clock = ManualClock()
        let group = EventLoopGroup(loopCount: 1)
        defer { group.shutdown() }
        var configuration = TransportConfiguration(cluster: "test", node: NodeId(uncheckedValid: "client"), generation: 1, listen: nil)
        configuration.clock = clock
        let transport = Transport(configuration: configuration, group: group, log: { _, _ in })
        let bound = configuration.limits.gossipedPeersPerSenderMax

        transport.learn(Self.ghosts(bound + 36), fromSender: NodeId(uncheckedValid: "flooder"))
        #expect(transport.knownPeers.count == bound)
        #expect(transport.peerTableCounters.value(.gossipedPeersDropped) == 36)
        // Another sender is not held back by the first one's flood.
        transport.learn([PeerInfo(node: NodeId(uncheckedValid: "other"), generation: 7, address: NodeAddress(uncheckedHost: "127.0.0.1", port: 2))],
            fromSender: NodeId(uncheckedValid: "honest"))
        #expect(transport.knownPeers.count == bound + 1)

        clock.advance(by: configuration.limits.unverifiedPeerLifetime - .seconds(1))
        #expect(transport.knownPeers.count == bound + 1, "forgotten too early")
        clock.advance(by: .seconds(1))
        #expect(transport.knownPeers.isEmpty)
        #expect(transport.peerTableCounters.value(.unverifiedPeersForgotten) == UInt64(bound + 1))
        // The flooder's quota is free again, and no more than the quota.
        transport.learn(Self.ghosts(bound + 1), fromSender: NodeId(uncheckedValid: "flooder"))
        #expect(transport.knownPeers.count == bound)
    }

    /// One peer gossips more ghost names than a welcome can list; a newcomer entering through
    /// that node still hears of every live node, reaches each, and the ghosts are gone once
    /// their lifetime passes on the hub's clock.
    @Test func ghostNamesDoNotPushLiveNodesOutOfTheWelcome() async throws {
        let clock = ManualClock()
        var hubConfiguration = TransportConfiguration(
            cluster: "test", node: NodeId(uncheckedValid: "hub"), generation: 0x40B, listen: NodeAddress(uncheckedHost: "127.0.0.1", port: 0))
        hubConfiguration.clock = clock
        let hubGroup = EventLoopGroup(loopCount: 1)
        let hub = Transport(configuration: hubConfiguration, group: hubGroup, log: { _, _ in }, dialPolicy: DialsNothingLearned())
        try hub.start()
        let hubAddress = NodeAddress(uncheckedHost: "127.0.0.1", port: hub.listeningPort!)
        let yankee = try TransportFixture(name: "yankee")
        let zulu = try TransportFixture(name: "zulu")
        defer {
            [yankee, zulu].forEach { $0.shutdown() }
            hub.shutdown()
            hubGroup.shutdown()
        }
        yankee.transport.join(seeds: [hubAddress])
        zulu.transport.join(seeds: [hubAddress])
        #expect(await eventually { hub.connectedPeers.map(\.node) == [NodeId(uncheckedValid: "yankee"), NodeId(uncheckedValid: "zulu")] })

        let flood = Self.ghosts(Limits.handshakeListCountMax + 36)
        try yankee.transport.connection(to: NodeId(uncheckedValid: "hub")).sendSystem(.peers(flood))
        #expect(await eventually { hub.peerTableCounters.value(.gossipedPeersDropped) == 36 })
        #expect(Self.ghostCount(hub.knownPeers) == hubConfiguration.limits.gossipedPeersPerSenderMax)

        let newcomerGroup = EventLoopGroup(loopCount: 1)
        let newcomer = Transport(
            configuration: TransportConfiguration(cluster: "test", node: NodeId(uncheckedValid: "newcomer"), generation: 0xC1, listen: nil),
            group: newcomerGroup, log: { _, _ in })
        defer {
            newcomer.shutdown()
            newcomerGroup.shutdown()
        }
        newcomer.join(seeds: [hubAddress])
        #expect(await eventually { newcomer.connectedPeers.map(\.node) == [NodeId(uncheckedValid: "hub")] })
        let heard = Set(newcomer.knownPeers.map(\.node))
        #expect(heard.isSuperset(of: [NodeId(uncheckedValid: "hub"), NodeId(uncheckedValid: "yankee"), NodeId(uncheckedValid: "zulu")]), "\(heard.sorted())")
        for live in ["yankee", "zulu"] { _ = try newcomer.connection(to: NodeId(live)) }
        #expect(await eventually {
            Set(newcomer.connectedPeers.map(\.node)) == [NodeId(uncheckedValid: "hub"), NodeId(uncheckedValid: "yankee"), NodeId(uncheckedValid: "zulu")]
        })

        clock.advance(by: hubConfiguration.limits.unverifiedPeerLifetime)
        #expect(Self.ghostCount(hub.knownPeers) == 0)
        #expect(hub.peerTableCounters.value(.unverifiedPeersForgotten) == UInt64(hubConfiguration.limits.gossipedPeersPerSenderMax))
        #expect(Self.ghostCount(hub.peersToShare(excluding: nil)) == 0)
    }

    /// Ghosts a listening node dials (nothing listens at their address) are forgotten after
    /// `unverifiedPeerDialAttemptsMax` failed dials each, and are not dialled again.
    @Test func ghostsThatNeverAnswerAreForgottenAfterFailedDials() async throws {
        let hub = try TransportFixture(name: "hub")
        let yankee = try TransportFixture(name: "yankee")
        defer { [hub, yankee].forEach { $0.shutdown() } }
        yankee.transport.join(seeds: [NodeAddress(uncheckedHost: "127.0.0.1", port: hub.port)])
        #expect(await eventually { hub.transport.connectedPeers.map(\.node) == [NodeId(uncheckedValid: "yankee")] })
        let dialsBefore = hub.transport.peerTableCounters.value(.dialsStarted)

        try yankee.transport.connection(to: NodeId(uncheckedValid: "hub")).sendSystem(.peers(Self.ghosts(64)))
        let forgotten = await eventually(timeout: .seconds(30)) {
            hub.transport.peerTableCounters.value(.unverifiedPeersForgotten) == 64
        }
        #expect(forgotten, "\(hub.transport.peerTableCounters.value(.unverifiedPeersForgotten)) forgotten")
        #expect(hub.transport.knownPeers.map(\.node) == [NodeId(uncheckedValid: "yankee")])
        let attempts = hub.transport.configuration.limits.unverifiedPeerDialAttemptsMax
        #expect(hub.transport.peerTableCounters.value(.dialsStarted) - dialsBefore == UInt64(64 * attempts))
    }
}
