import FabricCore
import FabricReactor
import FabricWire

/// The handshake: the dialer sends a hello, the acceptor answers with a welcome (the agreement)
/// or an explained refusal. Version, compression, checksums and the frame size limit come out of
/// `HandshakeNegotiation`, a pure function; this file only carries its answers.
extension Connection {
    func sendHello() {
        let configuration = transport.configuration
        let hello = Hello(
            versionMin: ProtocolVersion.supported.lowerBound, versionMax: ProtocolVersion.supported.upperBound,
            cluster: configuration.cluster, node: configuration.node, generation: configuration.generation,
            advertisedAddress: transport.advertisedAddress, capabilities: configuration.capabilities,
            peers: transport.peersToShare(excluding: nil))
        sentHello = hello
        sendHandshake(.hello(hello))
    }

    func sendRefusal(_ reason: RefusalReason, _ message: String) {
        sendHandshake(.refusal(Refusal(reason: reason, message: String(message.prefix(512)))))
    }

    private func sendHandshake(_ message: HandshakeMessage) {
        var payload: [UInt8] = []
        message.encode(into: &payload)
        writeFrame(OutboundMessage(kind: .handshake, priority: 3, messageID: 0, payload: payload))
    }

    func receiveHandshake(_ frame: Frame) {
        guard phase == .handshaking else {
            protocolError(WireError(.malformed, "handshake frame after the handshake"))
            return
        }
        let message: HandshakeMessage
        do {
            message = try HandshakeMessage.decode(frame.payload)
        } catch {
            transport.counters.add(.handshakeFailures)
            protocolError(error)
            return
        }
        switch message {
        case .hello(let hello):
            guard !isDialer else { return protocolError(WireError(.malformed, "hello sent to the dialer")) }
            answer(hello)
        case .welcome(let welcome):
            guard isDialer, let sentHello else { return protocolError(WireError(.malformed, "unexpected welcome")) }
            do {
                let agreement = try HandshakeNegotiation.agreement(from: welcome, offered: sentHello)
                let peer = RemotePeer(node: welcome.node, generation: welcome.generation, address: welcome.advertisedAddress)
                switch transport.welcomeVerdict(self, from: peer) {
                case .keep:
                    becomeReady(agreement, remote: peer, peers: welcome.peers)
                case .giveWay:
                    close(FabricError(.rejected, "superseded by another connection to \(welcome.node)"))
                case .wrongNode(let expected):
                    // Calls queued here were meant for `expected`: they fail, not go elsewhere.
                    let address = dialedAddress?.description ?? "its address"
                    transport.log(.warning, "\(self): dialled \(expected) at \(address), but \(welcome.node) answered")
                    close(FabricError(.nodeUnreachable, "dialled \(expected) at \(address), but \(welcome.node) answered"))
                case .declaredDown:
                    close(FabricError(.nodeDown, "\(welcome.node) generation \(hex(welcome.generation)) was declared down"))
                case .partitioned:
                    close(FabricError(.nodeUnreachable, "partitioned from \(welcome.node) (a test partition)"))
                }
            } catch {
                transport.counters.add(.handshakeFailures)
                protocolError(error)
            }
        case .refusal(let refusal):
            transport.counters.add(.handshakeFailures)
            close(FabricError(.rejected, "refused by \(dialedAddress?.description ?? "peer"): \(refusal.reason): \(refusal.message)"))
        }
    }

    private func answer(_ hello: Hello) {
        let configuration = transport.configuration
        let (reply, agreement) = HandshakeNegotiation.answer(
            hello, localCluster: configuration.cluster, localNode: configuration.node,
            localGeneration: configuration.generation, localAddress: transport.advertisedAddress,
            localCapabilities: configuration.capabilities, supported: ProtocolVersion.supported,
            peers: transport.peersToShare(excluding: hello.node))
        guard let agreement else {
            transport.counters.add(.handshakeFailures)
            sendHandshake(reply)
            if case .refusal(let refusal) = reply {
                close(FabricError(.rejected, "refused \(hello.node): \(refusal.message)"))
            } else {
                close(FabricError(.rejected, "refused \(hello.node)"))
            }
            return
        }
        let peer = RemotePeer(node: hello.node, generation: hello.generation, address: hello.advertisedAddress)
        admit(peer, reply: reply, agreement: agreement, peers: hello.peers, mayChallenge: true)
    }

    /// Welcomes `peer`, refuses it, or (when it claims a node this one has a ready connection
    /// to) waits while that connection is challenged, then decides again without a challenge.
    private func admit(
        _ peer: RemotePeer, reply: HandshakeMessage, agreement: Agreement, peers: [PeerInfo], mayChallenge: Bool
    ) {
        switch transport.admission(of: self, claiming: peer, mayChallenge: mayChallenge) {
        case .admit:
            sendHandshake(reply)
            becomeReady(agreement, remote: peer, peers: peers)
        case .refuse(let reason, let message):
            refuse(reason, message)
        case .challenge(let existing):
            // The challenge bounds the wait now (`Limits.claimChallengeTimeout`).
            handshakeTimer?.cancel()
            handshakeTimer = nil
            transport.challenge(existing, claimedBy: self, as: peer) { [self] verdict in
                guard phase == .handshaking else { return }
                switch verdict {
                case .answered:
                    refuse(.duplicateConnection, "\(transport.configuration.node) is connected to \(peer.node), which answered")
                case .gone:
                    admit(peer, reply: reply, agreement: agreement, peers: peers, mayChallenge: false)
                }
            }
        }
    }

    private func refuse(_ reason: RefusalReason, _ message: String) {
        transport.counters.add(.connectionsRefused)
        sendRefusal(reason, message)
        close(FabricError(.rejected, message))
    }

    private func becomeReady(_ agreement: Agreement, remote peer: RemotePeer, peers: [PeerInfo]) {
        self.agreement = agreement
        remote = peer
        handshakeTimer?.cancel()
        handshakeTimer = nil
        decoder.frameBytesMax = agreement.frameBytesMax
        decoder.acceptsCompression = agreement.compression
        decoder.requiresChecksum = agreement.checksum
        decoder.acceptsFragments = agreement.fragments
        decoder.reassemblyBytesMax = limits.fragmentReassemblyBytesMax
        encoder = FrameEncoder(
            frameBytesMax: agreement.frameBytesMax, checksum: agreement.checksum,
            compressionThresholdBytes: agreement.compression ? limits.compressionThresholdBytes : nil)
        if agreement.compression {
            offLoopCompressionFrameBytesMax.store(agreement.frameBytesMax, ordering: .releasing)
        }
        move(to: .ready)
        armKeepalive()
        transport.connectionDidBecomeReady(self, peers: peers)
        flushQueued()
    }
}
