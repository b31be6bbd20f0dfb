import Testing
@testable import FabricCore

/// The public initialisers throw `invalidArgument` for bad text, with a message that names the
/// text and the rule it breaks; good text round-trips. (Issue 14, "Public API corners".)
@Suite struct ThrowingInitialiserTests {
    /// Runs `body`, expects it to throw `invalidArgument`, and returns the message.
    static func invalidArgumentMessage<T>(_ body: () throws(FabricError) -> T) -> String? {
        do {
            _ = try body()
            Issue.record("expected invalidArgument, got a value")
            return nil
        } catch {
            #expect(error.code == .invalidArgument, "\(error)")
            return error.message
        }
    }

    @Test(arguments: ["a", "node-1.a_b", "Z9", String(repeating: "n", count: Limits.nodeNameBytesMax)])
    func goodNodeNamesRoundTrip(name: String) throws {
        let node = try NodeId(name)
        #expect(node.name == name)
        #expect(node.description == name)
        #expect(try NodeId(node.description) == node)
        #expect(NodeId(validating: name) == node)
    }

    @Test(arguments: [
        ("", "empty"),
        ("a b", "\" \" is not allowed"),
        ("a/b", "\"/\" is not allowed"),
        ("é", "\"é\" is not allowed"),
        ("tab\t", "\"\\t\" is not allowed"),
        (String(repeating: "a", count: Limits.nodeNameBytesMax + 1), "more than the 64 allowed"),
    ])
    func badNodeNamesThrowWithTheReason(name: String, reason: String) {
        let message = Self.invalidArgumentMessage { () throws(FabricError) in try NodeId(name) }
        #expect(message?.contains("invalid node name \(name.debugDescription)") == true, "\(message ?? "")")
        #expect(message?.contains(reason) == true, "\(message ?? "") lacks \(reason)")
        #expect(NodeId(validating: name) == nil)
    }

    @Test func wellKnownIDsRoundTrip() throws {
        let id = try ActorID.wellKnown("greeter", on: NodeId("b"))
        #expect(id.path == "/user/greeter")
        #expect(id.generation == ActorID.anyGeneration)
        #expect(id.description == "b/user/greeter")
        #expect(try ActorID(node: id.node, generation: 0, path: id.path) == id)
        #expect(try ActorID.wellKnown("a.b-c_d~", on: NodeId("b")).path == "/user/a.b-c_d~")
    }

    @Test(arguments: [
        ("", "empty"),
        ("a/b", "contains \"/\""),
        ("/greeter", "contains \"/\""),
        ("gre eter", "\" \" is not allowed"),
        ("grüße", "\"ü\" is not allowed"),
        (String(repeating: "x", count: Limits.actorPathBytesMax), "more than the 256 allowed"),
    ])
    func badWellKnownNamesThrowWithTheReason(name: String, reason: String) throws {
        let node = try NodeId("b")
        let message = Self.invalidArgumentMessage { () throws(FabricError) in try ActorID.wellKnown(name, on: node) }
        #expect(message?.contains("invalid actor name \(name.debugDescription)") == true, "\(message ?? "")")
        #expect(message?.contains(reason) == true, "\(message ?? "") lacks \(reason)")
    }

    @Test(arguments: [
        ("user/echo", "does not start with \"/\""),
        ("/", "no segment"),
        ("/user/echo/", "ends with \"/\""),
        ("/user//echo", "empty segment"),
        ("/us er", "\" \" is not allowed"),
        ("/" + String(repeating: "a", count: Limits.actorPathBytesMax), "more than the 256 allowed"),
    ])
    func badPathsThrowWithTheReason(path: String, reason: String) throws {
        let node = try NodeId("b")
        let message = Self.invalidArgumentMessage { () throws(FabricError) in
            try ActorID(node: node, generation: 7, path: path)
        }
        #expect(message?.contains("invalid actor path \(path.debugDescription)") == true, "\(message ?? "")")
        #expect(message?.contains(reason) == true, "\(message ?? "") lacks \(reason)")
        #expect(ActorID(node: node, generation: 7, validatingPath: path) == nil)
        #expect(!ActorID.isValidPath(path))
    }

    @Test(arguments: [
        ("127.0.0.1:7001", "127.0.0.1", UInt16(7001)),
        ("[::1]:7001", "::1", 7001),
        ("localhost:0", "localhost", 0),
        ("db-1.example.com:65535", "db-1.example.com", 65535),
    ])
    func goodAddressesRoundTrip(text: String, host: String, port: UInt16) throws {
        let address = try NodeAddress(parsing: text)
        #expect(address == (try NodeAddress(host: host, port: port)))
        #expect(address.description == text)
        #expect(try NodeAddress(parsing: address.description) == address)
    }

    @Test(arguments: [
        ("localhost:70000", "is not a number from 0 to 65535"),
        ("127.0.0.1:700l", "\"700l\" is not a number"),
        ("127.0.0.1:", "\"\" is not a number"),
        ("::1:7001", "IPv6 host needs brackets"),
        ("[::1:7001", "no \"]\""),
        ("[::1]7001", "no \":PORT\" after"),
        (":7001", "host is empty"),
        ("host", "no \":PORT\""),
        ("my host:7001", "\" \" is not allowed"),
        (String(repeating: "h", count: 300) + ":1", "too long"),
    ])
    func badAddressesThrowWithTheReason(text: String, reason: String) {
        let message = Self.invalidArgumentMessage { () throws(FabricError) in try NodeAddress(parsing: text) }
        #expect(message?.contains("invalid address \(text.debugDescription)") == true, "\(message ?? "")")
        #expect(message?.contains(reason) == true, "\(message ?? "") lacks \(reason)")
    }

    @Test func badHostsThrowWithTheReason() {
        for (host, reason) in [("", "empty"), ("a b", "\" \" is not allowed"), (String(repeating: "h", count: 256), "more than")] {
            let message = Self.invalidArgumentMessage { () throws(FabricError) in try NodeAddress(host: host, port: 1) }
            #expect(message?.contains(reason) == true, "\(message ?? "") lacks \(reason)")
            #expect(!NodeAddress.isValidHost(host))
        }
    }

    @Test func invalidArgumentIsACodeOfItsOwnOnTheWire() {
        let code = FabricError.invalidArgument("x").code
        #expect(code.description == "invalidArgument")
        #expect(FabricError.Code(wireValue: code.wireValue) == code)
        #expect(code != .rejected)
    }
}
