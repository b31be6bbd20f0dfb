import FabricCore
import MembershipCore

// The simulator's byte figures need a message's size on the wire, but the binary coder lives in
// FabricWire, which FabricSimulation must not depend on (and running a full encoder for every
// simulated message would cost more than the protocol itself). So the size is ESTIMATED from the
// message's contents, field by field, as a compact binary layout would write it:
//
// - a string: 1 length byte (2 past 127 bytes) + its UTF-8 bytes;
// - an enum case tag, a status, a Bool: 1 byte; a sequence: 4; a port: 2; a hash, a generation,
//   an incarnation: 8; a list: 2 bytes of count + its elements;
// - a member: node name + generation + address (host, port) + status + incarnation;
// - a header: the sender's member + cluster hash + the gossip list (each update: a member and
//   the reporter's name).
//
// It counts the payload only: Fabric's frame around it (and TCP/IP headers) are not included.
// The estimate is exact for a layout with fixed-width integers; a varint coder would be smaller.

extension SWIMMessage {
    /// The estimated payload size in bytes (see the note at the top of this file).
    public var estimatedWireBytes: Int {
        let tag = 1
        switch self {
        case .ping(let header, _, let target), .ack(let header, _, let target), .nack(let header, _, let target):
            return tag + header.estimatedWireBytes + 4 + Self.bytes(target.name)
        case .pingRequest(let header, _, let target, _):
            return tag + header.estimatedWireBytes + 4 + Self.bytes(target) + 1
        case .gossip(let header):
            return tag + header.estimatedWireBytes
        case .pushPull(let header, let pushPull):
            return tag + header.estimatedWireBytes + Self.bytes(pushPull)
        }
    }

    static func bytes(_ text: String) -> Int {
        let count = text.utf8.count
        return (count > 127 ? 2 : 1) + count
    }

    static func bytes(_ identity: MemberIdentity) -> Int {
        bytes(identity.node.name) + 8 + bytes(identity.address.host) + 2
    }

    static func bytes(_ member: Member) -> Int { bytes(member.identity) + 1 + 8 }

    static func bytes(_ pushPull: PushPull) -> Int {
        let common = bytes(pushPull.cluster) + 4 + 1
        switch pushPull.phase {
        case .digest(_, let hashes):
            return common + 1 + 2 + 8 * hashes.count
        case .reply(let buckets, let members):
            return common + 2 + 2 * buckets.count + 2 + members.reduce(0) { $0 + bytes($1) }
        case .merge(let members):
            return common + 2 + members.reduce(0) { $0 + bytes($1) }
        }
    }
}

extension SWIMHeader {
    /// The estimated size of the header and its piggybacked gossip (see SWIMMessage+WireSize.swift).
    public var estimatedWireBytes: Int {
        var total = SWIMMessage.bytes(sender) + 8 + 2
        for update in gossip { total += SWIMMessage.bytes(update.member) + SWIMMessage.bytes(update.reporter.name) }
        return total
    }
}
