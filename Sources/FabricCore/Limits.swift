/// Every limit Fabric enforces, named in one place (DESIGN.md §9).
///
/// Reaching a limit is a typed error or a closed connection with a reason, never a crash or
/// unbounded memory. The static members are the compiled-in bounds that sizes on the wire are
/// checked against before anything is allocated; the instance holds the tunable ones a node runs
/// with (`Limits.default` unless its configuration says otherwise).
public struct Limits: Sendable, Hashable {
    // MARK: Names and identifiers (static: they shape what is valid at all)

    /// Bytes in a node name.
    public static let nodeNameBytesMax = 64
    /// Bytes in a cluster name.
    public static let clusterNameBytesMax = 64
    /// Bytes in an actor path.
    public static let actorPathBytesMax = 256
    /// Bytes in a host name or address literal.
    public static let hostBytesMax = 255
    /// Bytes in a type name carried on the wire (generic substitutions, error types).
    public static let typeNameBytesMax = 1024
    /// Bytes in a distributed target identifier (a mangled thunk name).
    public static let targetIdentifierBytesMax = 2048
    /// Bytes of an error message carried back to a caller (longer ones are cut).
    public static let errorMessageBytesMax = 4096
    /// Generic substitutions in one call.
    public static let genericSubstitutionsMax = 16
    /// Arguments in one call.
    public static let argumentsMax = 64
    /// Nesting depth of values in the binary coder (containers inside containers).
    public static let codingDepthMax = 64
    /// Capabilities and peers listed in one handshake.
    public static let handshakeListCountMax = 64
    /// One-way calls queued for one recipient on one connection; past it they are dropped and counted.
    public static let oneWayMailboxDepthMax = 65_536
    /// A one-way mailbox this deep stops its connection's reads (TCP then slows the sender)
    /// until its drain task takes the queued batch. 256 rather than 1024: a batch of 1024
    /// deliveries (about 130 bytes each) is an array past malloc's mmap threshold, so every
    /// burst paid fresh pages and regrowth copies (3–4 % of the server's samples in `oneway`);
    /// A/B, alternating, 8 rounds of `fabric bench rpc --oneway --payload 64 --duration 3`:
    /// 256 ahead in 5 (medians 583k against 516k msgs/s; the machine's noise is ±15 %).
    public static let oneWayMailboxHoldDepth = 256
    /// (actor type, target) answers the target validator remembers; past it the cache is emptied
    /// (identifiers come from the wire, so an attacker could send endless distinct ones).
    public static let targetCheckCacheEntriesMax = 4096
    /// Targets whose resolved signature the receive path keeps; new ones past it use the
    /// standard library's slower path.
    public static let targetSignaturesMax = 4096

    /// Peers listed in one `peers` system message (the gossip of node names and addresses).
    public static let peersPerMessageMax = 1024
    /// Messages whose fragments are arriving at once on one connection.
    public static let fragmentedMessagesPerConnectionMax = 64
    /// Bytes of a handshake frame's payload.
    public static let handshakeBytesMax = 64 * 1024
    /// The smallest frame size limit two nodes may agree on.
    public static let frameBytesFloor = 64 * 1024
    /// The largest frame size limit a node may be configured with.
    public static let frameBytesCeiling = 256 * 1024 * 1024

    // MARK: Multi-process test harness (FabricTestKit)

    /// Nodes in one test cluster: each holds a port, a process and a log file.
    public static let testKitClusterNodesMax = 64
    /// Bytes of one node's log read into memory at once (`log()` keeps the newest ones).
    public static let testKitLogReadBytesMax = 16 * 1024 * 1024
    /// Bytes of one log line kept when scanning for events and text; a longer line is cut.
    public static let testKitLogLineBytesMax = 64 * 1024
    /// Bytes read back from the end of a log to show its tail in a failure message.
    public static let testKitLogTailBytesMax = 256 * 1024
    /// Lines of each node's log shown in a failure message.
    public static let testKitLogTailLines = 40
    /// Attempts at starting an executable that is busy (ETXTBSY: another process still holds
    /// a descriptor of it open for writing, usually a fork racing with the test writing a script).
    public static let testKitSpawnAttemptsMax = 50
    /// How long a node has to print its ready line when a test names no timeout.
    public static let testKitReadyTimeoutDefault: Duration = .seconds(60)
    /// How long a node has to exit after SIGTERM before it is killed, when a test names none.
    public static let testKitTerminateTimeoutDefault: Duration = .seconds(5)

    // MARK: Event loops (static: they bound one loop turn, for fairness between connections)

    /// Tasks and closures one event loop runs per turn before it polls for I/O again.
    public static let loopJobsPerTurnMax = 4096
    /// I/O events one `epoll_wait` returns at most (the size of the loop's event buffer).
    public static let loopEventsPerWaitMax = 256
    /// `read` calls for one stream per loop turn, so one busy peer cannot starve the others.
    public static let streamReadsPerTurnMax = 16
    /// Bytes of the buffer a stream reads into when its delegate does not provide its own.
    public static let streamReadBufferBytes = 64 * 1024
    /// Bytes of one pooled buffer that small writes are copied into before they are sent.
    public static let streamWriteChunkBytes = 64 * 1024
    /// Spare write buffers one event loop keeps for reuse (more are freed).
    public static let loopSpareWriteChunksMax = 64
    /// Buffers gathered into one `sendmsg` call (the kernel's own bound, IOV_MAX, is 1024).
    public static let streamWriteVectorsMax = 64
    /// Connections one listener accepts per loop turn before it lets other work run.
    public static let listenerAcceptsPerTurnMax = 256
    /// Host names being resolved at once (each on its own helper thread, off the loops).
    public static let nameResolutionsInFlightMax = 16
    /// Event loop threads one group may start.
    public static let loopsPerGroupMax = 1024
    /// Rounds of end-of-turn work (flushes and the work they queue) per loop turn; what remains
    /// waits for the next turn, which then does not block.
    public static let loopEndOfTurnRoundsMax = 8
    /// Rounds of queued work a stopping loop runs before it drops the rest.
    public static let loopShutdownDrainRoundsMax = 1024
    /// Arrays a stream is given at least this large are queued as they are; smaller ones are
    /// copied into pooled buffers.
    public static let streamArrayKeptWholeBytesMin = 16 * 1024

    // MARK: Seams: injected clocks, cluster event subscriptions, unknown system messages

    /// How often (ms) a loop on an injected clock that does not report its moves looks at its
    /// timers again. A `ManualClock` reports its moves and is never polled; the machine's clock
    /// is waited on with the exact time to the next timer.
    public static let loopUnobservedClockPollMilliseconds: Int32 = 1
    /// Cluster events one subscription (`FabricActorSystem.clusterEvents`) holds for a
    /// subscriber that has not read them yet, beyond the replay it started with. One more and
    /// the subscription ends with a `rejected` error (counted), so a slow subscriber learns that
    /// its view is incomplete and subscribes again for a fresh replay, rather than holding an
    /// unbounded backlog or silently missing a `down`.
    public var clusterEventsBufferedMax = 1024

    // MARK: Buffers kept between messages (static)

    /// Capacity of a connection's frame read buffer when it first needs one.
    public static let frameReadBufferBytesInitial = 16 * 1024
    /// A frame read buffer grown past this (for a large frame) is released once it is empty, so
    /// an idle connection does not keep a large frame's worth of memory.
    public static let frameReadBufferBytesKeptMax = 1024 * 1024
    /// A connection's reply buffer that grew past this (a large result) is not kept for the
    /// next reply.
    public static let replyBufferBytesKeptMax = 64 * 1024
    /// The first argument of a call reserves this much, so that small arguments are encoded
    /// with one allocation instead of one for the length prefix and another as the value grows,
    /// and the envelope's header (written after them) fits without a copy.
    public static let callArgumentsBytesReserved = 384
    /// A connection keeps the arrays of its last flush for the next callers, unless a burst grew
    /// them past this many messages.
    public static let outboundBatchMessagesKeptMax = 1024
    /// Payload arrays a transport keeps for the next calls' arguments once their messages are
    /// framed (`PayloadBufferPool`): at most this many, …
    public static let recycledPayloadBuffersMax = 1024
    /// … each with at most this capacity (larger ones are freed): 512 KiB held at most. Small
    /// calls are the ones whose cost is mostly their allocation; and a queued message counts
    /// its array's capacity against the outbound queue's limits, so a small call in a recycled
    /// array should not count much more than in a fresh one (`callArgumentsBytesReserved`).
    public static let recycledPayloadBytesMax = 512
    /// Output first allocated for a compressed frame that does not declare its size.
    public static let decompressionOutputBytesFirstGuess = 16 * 1024
    /// Characters of one coding-path component shown in an error message (dictionary keys
    /// come from the payload).
    public static let codingPathComponentCharactersMax = 64

    // MARK: Tunable limits of a running node

    /// Bytes a frame may hold after its length field (flags, id, payload, checksum); both sides
    /// use the smaller of their two values. Checked before any allocation.
    public var frameBytesMax = 16 * 1024 * 1024
    /// Payloads at least this large are compressed when both sides support it.
    public var compressionThresholdBytes = 8 * 1024
    /// Bytes queued for one connection before callers are suspended (back-pressure).
    public var outboundQueueBytesSoftMax = 4 * 1024 * 1024
    /// Unsent bytes the kernel may hold for one connection (`TCP_NOTSENT_LOWAT`); the rest waits
    /// in Fabric's own queue, where control frames can overtake bulk ones.
    public var notSentLowWaterBytes = 16 * 1024
    /// Bytes queued for one connection past which calls are rejected outright.
    public var outboundQueueBytesMax = 64 * 1024 * 1024
    /// Calls awaiting replies at once, per node system (a full table rejects new calls).
    public var pendingCallsMax = 1_000_000
    /// Incoming two-way calls running at once per connection; further ones are rejected.
    public var inboundCallsPerConnectionMax = 100_000
    /// Connections a node accepts at once (handshaken or not).
    public var inboundConnectionsMax = 8192
    /// Peers (known node addresses) a node remembers.
    public var knownPeersMax = 4096
    /// How long a new connection has to complete its handshake.
    public var handshakeTimeout: Duration = .seconds(5)
    /// How long a connect attempt may take.
    public var connectTimeout: Duration = .seconds(2)
    /// A call's deadline when the caller sets none.
    public var callTimeoutDefault: Duration = .seconds(5)
    /// The longest deadline a caller may ask for.
    public var callTimeoutMax: Duration = .seconds(3600)
    /// The first delay before a reconnect attempt (exponential with jitter up to
    /// `reconnectBackoffMax`).
    public var reconnectBackoffMin: Duration = .milliseconds(50)
    /// The largest delay between reconnect attempts.
    public var reconnectBackoffMax: Duration = .seconds(5)
    /// A connection quiet this long sends a keepalive.
    public var keepaliveInterval: Duration = .seconds(2)
    /// A connection whose peer stays silent this long is closed.
    public var idleTimeout: Duration = .seconds(10)
    /// How long to stop accepting after the process ran out of file descriptors.
    public var acceptBackoff: Duration = .milliseconds(100)
    /// How long a graceful close waits for queued frames to leave.
    public var drainTimeout: Duration = .seconds(2)
    /// Replies a loop sends ahead of the end of its turn once this many are waiting, so that
    /// while it works through a long batch of incoming calls the callers' side can start on the
    /// first answers (64 callers on two vCPUs: about +25 % calls/s). 0 sends replies only at
    /// the end of the turn. Applied only when the process may run on more than one CPU: on a
    /// single CPU an early send wakes the peer onto the CPU this loop needs (measured: -35 %).
    public var repliesPerEarlyFlush = 8

    // MARK: What one peer may make this node hold (issue 14, §1)

    /// Bytes waiting to go to one peer (the stream's unsent output: replies, control frames and
    /// flushed calls alike) past which this node stops reading from that peer: everything it
    /// reads could only add replies to a peer that is not taking them. Reading resumes once
    /// the stream is back under its low water mark. Room for a largest frame each way plus the
    /// callers' soft limit, so two nodes streaming large calls at each other do not both stop.
    public var connectionOutputBytesMax = 40 * 1024 * 1024
    /// How long output may stay over `connectionOutputBytesMax` before the connection is
    /// closed with a reason (the peer is not reading at all).
    public var outputStallTimeout: Duration = .seconds(30)
    /// Bytes control frames (pongs, gossip, goodbyes) may add beyond `outboundQueueBytesMax`;
    /// past it they are dropped and counted (a peer that pings and never reads).
    public var controlOutputBytesMax = 1024 * 1024
    /// How long one frame may take to arrive once its first bytes have (reading held by this
    /// node does not count): a peer trickling a large frame is closed, not kept forever.
    /// Checked on each keepalive tick, so enforced within `keepaliveInterval` of it.
    public var frameReceiveTimeout: Duration = .seconds(30)
    /// … unless it arrives at least this fast on average: a 16 MiB frame may take as long as
    /// it needs at 16 KiB/s or more.
    public var frameReceiveBytesPerSecondMin = 16 * 1024
    /// Bytes of decompressed payload one connection may produce in one loop turn; past it the
    /// connection stops decoding until the loop's next turn, so a burst of compressed frames
    /// cannot hold the loop (one frame's output is capped by the frame limit already).
    public var decompressedBytesPerTurnMax = 32 * 1024 * 1024
    /// Bytes of incoming two-way calls running at once per connection (what their payloads
    /// hold); a call past it is rejected, as one past `inboundCallsPerConnectionMax` is.
    public var inboundCallBytesPerConnectionMax = 64 * 1024 * 1024

    // MARK: Peer table defences: name claims, gossip, declared-down nodes (issue 14)

    /// How long a ready connection to a node has to show it is alive (any frame after a ping)
    /// when a new hello claims that node's name. Silent that long, or closed, it is presumed dead
    /// (the node restarted) and the claimant gets in; alive, the claimant is refused. Keep it
    /// well under `handshakeTimeout`, which the claimant's dialer is waiting on meanwhile.
    public var claimChallengeTimeout: Duration = .seconds(1)
    /// How often a challenged connection is looked at while the challenge lasts.
    public var claimChallengeCheckInterval: Duration = .milliseconds(5)
    /// Names of unverified nodes (never handshaken) one sender may have in this node's table at
    /// once; more from the same sender are dropped and counted. At least
    /// `handshakeListCountMax`, so a client learns a whole welcome's list from its seed.
    public var gossipedPeersPerSenderMax = 64
    /// Failed dials after which an unverified node (gossiped, never handshaken) is forgotten.
    public var unverifiedPeerDialAttemptsMax = 3
    /// How long an unverified node is remembered without ever completing a handshake.
    public var unverifiedPeerLifetime: Duration = .seconds(60)
    /// Generations of one node remembered as declared down (the oldest is forgotten first).
    public static let downGenerationsPerNodeMax = 8

    // MARK: Lanes and fragments (issue 14, §2)

    /// Bytes a connection hands its stream at a time; the rest waits in its priority lanes,
    /// where a control frame can still overtake it. A control frame queued behind bulk waits
    /// for at most this plus one fragment (and the kernel's `notSentLowWaterBytes`).
    public var streamHandoffBytesMax = 256 * 1024
    /// Messages larger than this go as fragments of this size, when the peer reassembles them.
    public var fragmentBytes = 64 * 1024
    /// Bytes the messages being reassembled on one connection may hold together.
    public var fragmentReassemblyBytesMax = 64 * 1024 * 1024

    /// The limits a node runs with unless configured otherwise.
    public static let `default` = Limits()

    /// The defaults (`Limits.default`); change the fields a deployment needs.
    public init() {}
}
