using SlimCap.Reactive.Filters;

using System.Runtime.CompilerServices;

namespace SlimCap.Reactive.FilterLanguage;

/// <summary>
/// Parses a pcap-filter expression into a <see cref="BoolNode"/> tree, accepting what libpcap 1.10's
/// yacc grammar accepts: <c>and</c>/<c>or</c> of equal precedence grouping from the left, <c>not</c>
/// binding to the next term, qualifiers carried over to bare values (<c>port 22 or 80</c>), and the
/// grammar's operator quirks (<c>%</c> and <c>^</c> take everything to their right). Where the
/// grammar is ambiguous (a parenthesis or number after <c>and</c>), the alternatives are tried in the
/// order the LALR parser would settle them, each position parsed at most once per rule.
/// </summary>
internal sealed class Parser
{
    private const int MaxTokens = 20_000;
    private readonly string _expression;
    private readonly List<Token> _tokens;
    private readonly Dictionary<(int Pos, int Rule, Qualifier Context), (object? Node, Qualifier Q, int End, Failure? Error)> _memo = new();
    private int _pos;
    private Failure? _furthest;

    private Parser(string expression)
    {
        _expression = expression;
        _tokens = Lexer.Scan(expression);
        if (_tokens.Count > MaxTokens)
            throw new FilterSyntaxException(expression, _tokens[MaxTokens].Column, $"expression too long (more than {MaxTokens} tokens)");
    }

    /// <summary>Parses <paramref name="expression"/>; null means the empty expression (accept everything).</summary>
    /// <exception cref="FilterSyntaxException">The expression does not follow the grammar or holds a token the scanner refuses.</exception>
    public static BoolNode? Parse(string expression)
    {
        var parser = new Parser(expression);
        try
        {
            if (parser.Peek.Kind == TokenKind.End) return null;
            (BoolNode node, _) = parser.ParseExpr(Qualifier.Undefined);
            parser.Expect(TokenKind.End);
            return node;
        }
        catch (Failure)
        {
            Failure f = parser._furthest!;
            throw new FilterSyntaxException(expression, f.Column, f.Reason);
        }
        catch (InsufficientExecutionStackException)
        {
            throw new FilterSyntaxException(expression, parser.Peek.Column, "expression nests too deeply");
        }
    }

    private Token Peek => _tokens[_pos];

    private Token PeekAt(int ahead) => _tokens[Math.Min(_pos + ahead, _tokens.Count - 1)];

    private Token Take()
    {
        Token t = Peek;
        if (t.Error is not null) Fail(t, t.Error);
        if (t.Kind == TokenKind.End) Fail(t);
        _pos++;
        return t;
    }

    private Token Expect(TokenKind kind)
    {
        if (Peek.Kind != kind) Fail(Peek);
        if (kind == TokenKind.End) return Peek;
        return Take();
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Fail(Token at, string? reason = null)
    {
        // A token the scanner refused reports the scanner's message whenever the parser reaches it, as in libpcap.
        var failure = new Failure(at.Column, reason ?? at.Error ?? "can't parse filter expression: syntax error");
        if (_furthest is null || failure.Column > _furthest.Column) _furthest = failure;
        throw failure;
    }

    // expr: term | expr (and|or) (term | id)
    private (BoolNode Node, Qualifier Q) ParseExpr(Qualifier context)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        (BoolNode node, Qualifier q) = ParseTerm(context);
        while (Peek.Kind is TokenKind.And or TokenKind.Or)
        {
            Token op = Take();
            (BoolNode right, Qualifier rq) = ParseTermOrId(q);
            node = op.Kind == TokenKind.And ? new AndNode(node, right, op.Column) : new OrNode(node, right, op.Column);
            q = rq;
        }
        return (node, q);
    }

    /// <summary>After and/or: an id inherits the qualifier, a term brings its own. An id must end where a term could not go on.</summary>
    private (BoolNode Node, Qualifier Q) ParseTermOrId(Qualifier context)
    {
        TokenKind k = Peek.Kind;
        if (k is TokenKind.Id or TokenKind.Hid or TokenKind.Hid6 or TokenKind.Eid or TokenKind.Aid) return (ParseId(context), context);
        if (k is TokenKind.Num or TokenKind.LParen or TokenKind.Not)
        {
            if (TrySpeculate(1, context, () => (ParseIdEndingHere(context), context), out var asId)) return asId;
        }
        return ParseTerm(context);
    }

    private BoolNode ParseIdEndingHere(Qualifier context)
    {
        BoolNode id = ParseId(context);
        if (Peek.Kind is not (TokenKind.And or TokenKind.Or or TokenKind.RParen or TokenKind.End)) Fail(Peek);
        return id;
    }

    // id: nid | pnum | paren pid ')'
    private BoolNode ParseId(Qualifier context)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        Token t = Peek;
        if (t.Kind == TokenKind.LParen)
        {
            if (TrySpeculate(2, context, () => (ParseParenPid(context), context), out var pid)) return pid.Node;
            int column = t.Column;
            uint value = ParsePnum();
            return new IdNode(context, IdKind.Number, "", value, null, column, column);
        }
        if (t.Kind == TokenKind.Num)
        {
            Take();
            return new IdNode(context, IdKind.Number, t.Text, t.Value, null, t.Column, t.Column);
        }
        return ParseNid(context);
    }

    // pid: nid | qid (and|or) id ; qid: pnum | pid
    private BoolNode ParseParenPid(Qualifier context)
    {
        Expect(TokenKind.LParen);
        BoolNode node;
        bool needsOperator = false;
        if (Peek.Kind is TokenKind.Num or TokenKind.LParen && !StartsNid())
        {
            Token t = Peek;
            if (t.Kind == TokenKind.LParen && TrySpeculate(2, context, () => (ParseParenPid(context), context), out var inner))
                node = inner.Node;
            else
            {
                uint value = ParsePnum();
                node = new IdNode(context, IdKind.Number, t.Text, value, null, t.Column, t.Column);
                needsOperator = true;
            }
        }
        else node = ParseNid(context);
        if (needsOperator && Peek.Kind is not (TokenKind.And or TokenKind.Or)) Fail(Peek);
        while (Peek.Kind is TokenKind.And or TokenKind.Or)
        {
            Token op = Take();
            BoolNode right = ParseId(context);
            node = op.Kind == TokenKind.And ? new AndNode(node, right, op.Column) : new OrNode(node, right, op.Column);
        }
        Expect(TokenKind.RParen);
        return node;
    }

    private bool StartsNid() => Peek.Kind is TokenKind.Id or TokenKind.Hid or TokenKind.Hid6 or TokenKind.Eid or TokenKind.Aid or TokenKind.Not;

    // nid: ID | HID '/' NUM | HID mask HID | HID | HID6 '/' NUM | HID6 | EID | AID | not id
    private BoolNode ParseNid(Qualifier q)
    {
        Token t = Peek;
        switch (t.Kind)
        {
            case TokenKind.Id:
                Take();
                return new IdNode(q, IdKind.Name, t.Text, 0, null, t.Column, t.Column);
            case TokenKind.Hid:
                Take();
                if (Peek.Kind == TokenKind.Slash)
                {
                    Take();
                    Token n = Expect(TokenKind.Num);
                    return new IdNode(q, IdKind.Ipv4Prefix, t.Text, n.Value, null, t.Column, n.Column);
                }
                if (Peek.Kind == TokenKind.Netmask)
                {
                    Take();
                    Token m = Expect(TokenKind.Hid);
                    return new IdNode(q, IdKind.Ipv4Mask, t.Text, 0, m.Text, t.Column, m.Column);
                }
                return new IdNode(q, IdKind.Ipv4, t.Text, 0, null, t.Column, t.Column);
            case TokenKind.Hid6:
                Take();
                if (Peek.Kind == TokenKind.Slash)
                {
                    Take();
                    Token n = Expect(TokenKind.Num);
                    return new IdNode(q, IdKind.Ipv6Prefix, t.Text, n.Value, null, t.Column, n.Column);
                }
                return new IdNode(q, IdKind.Ipv6, t.Text, 128, null, t.Column, t.Column);
            case TokenKind.Eid:
                Take();
                return new IdNode(q, IdKind.Ether, t.Text, 0, null, t.Column, t.Column);
            case TokenKind.Aid:
                Take();
                return new IdNode(q, IdKind.Arcnet, t.Text, 0, null, t.Column, t.Column);
            case TokenKind.Not:
                Take();
                return new NotNode(ParseId(q), t.Column);
            default:
                Fail(t);
                return null!;
        }
    }

    // pnum: NUM | '(' pnum ')'
    private uint ParsePnum()
    {
        if (Peek.Kind == TokenKind.LParen)
        {
            Take();
            uint v = ParsePnum();
            Expect(TokenKind.RParen);
            return v;
        }
        return Expect(TokenKind.Num).Value;
    }

    private (BoolNode Node, Qualifier Q) ParseTerm(Qualifier context)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        int start = _pos;
        if (_memo.TryGetValue((start, 0, context), out var m))
        {
            if (m.Error is not null) throw m.Error;
            _pos = m.End;
            return ((BoolNode)m.Node!, m.Q);
        }
        try
        {
            (BoolNode node, Qualifier q) = ParseTermUncached(context);
            _memo[(start, 0, context)] = (node, q, _pos, null);
            return (node, q);
        }
        catch (Failure f)
        {
            _memo[(start, 0, context)] = (null, default, start, f);
            throw;
        }
    }

    private (BoolNode Node, Qualifier Q) ParseTermUncached(Qualifier context)
    {
        Token t = Peek;
        if (t.Kind == TokenKind.Not)
        {
            Take();
            (BoolNode inner, Qualifier q) = ParseTerm(context);
            return (new NotNode(inner, t.Column), q);
        }
        if (t.Kind == TokenKind.LParen)
        {
            if (TrySpeculate(3, context, () =>
                {
                    Take();
                    (BoolNode inner, _) = ParseExpr(context);
                    Expect(TokenKind.RParen);
                    return (inner, context);
                }, out var paren))
                return paren;
            return (ParseRelation(), Qualifier.Undefined);
        }

        int proto = Q.ProtoOf(t.Kind);
        if (proto >= 0)
        {
            TokenKind next = PeekAt(1).Kind;
            if (IsHeadWord(next))
            {
                Take();
                return ParseHead(proto, t.Column);
            }
            switch (next)
            {
                case TokenKind.LBracket:
                    return (ParseRelation(), Qualifier.Undefined);
                case TokenKind.Broadcast or TokenKind.Multicast:
                    Take();
                    Token b = Take();
                    return (new PrimitiveNode(b.Kind, proto, 0, false, t.Column), Qualifier.Undefined);
                case TokenKind.Type or TokenKind.Subtype or TokenKind.Dir:
                    Take();
                    return (ParseP80211(), Qualifier.Undefined);
            }
            Take();
            return (new ProtoNode(proto, t.Column), Qualifier.Undefined);
        }
        if (IsHeadWord(t.Kind)) return ParseHead(Q.Default, t.Column);
        if (t.Kind is TokenKind.Num or TokenKind.Minus or TokenKind.Len) return (ParseRelation(), Qualifier.Undefined);
        return (ParseOther(), Qualifier.Undefined);
    }

    private static bool IsHeadWord(TokenKind k) => k is TokenKind.Src or TokenKind.Dst or TokenKind.Addr1 or TokenKind.Addr2
        or TokenKind.Addr3 or TokenKind.Addr4 or TokenKind.Ra or TokenKind.Ta or TokenKind.Host or TokenKind.Net
        or TokenKind.Port or TokenKind.PortRange or TokenKind.Proto or TokenKind.ProtoChain or TokenKind.Gateway;

    // head: pqual dqual aqual | pqual dqual | pqual aqual | pqual PROTO | pqual PROTOCHAIN | pqual GATEWAY; then id
    private (BoolNode Node, Qualifier Q) ParseHead(int proto, int column)
    {
        int dir = Q.Default, addr = Q.Default;
        Token t = Peek;
        switch (t.Kind)
        {
            case TokenKind.Src or TokenKind.Dst:
                Take();
                dir = t.Kind == TokenKind.Src ? Q.Src : Q.Dst;
                if (Peek.Kind is TokenKind.Or or TokenKind.And)
                {
                    Token op = Take();
                    Expect(t.Kind == TokenKind.Src ? TokenKind.Dst : TokenKind.Src);
                    dir = op.Kind == TokenKind.Or ? Q.Or : Q.And;
                }
                addr = ParseAddressQualifier();
                break;
            case TokenKind.Addr1 or TokenKind.Addr2 or TokenKind.Addr3 or TokenKind.Addr4 or TokenKind.Ra or TokenKind.Ta:
                Take();
                dir = t.Kind switch
                {
                    TokenKind.Addr1 => Q.Addr1, TokenKind.Addr2 => Q.Addr2, TokenKind.Addr3 => Q.Addr3,
                    TokenKind.Addr4 => Q.Addr4, TokenKind.Ra => Q.Ra, _ => Q.Ta,
                };
                addr = ParseAddressQualifier();
                break;
            case TokenKind.Proto: Take(); addr = Q.Proto; break;
            case TokenKind.ProtoChain: Take(); addr = Q.ProtoChain; break;
            case TokenKind.Gateway: Take(); addr = Q.Gateway; break;
            default: addr = ParseAddressQualifier(); break;
        }
        var q = new Qualifier(proto, dir, addr);
        BoolNode id = ParseId(q);
        return (id, q);
    }

    private int ParseAddressQualifier()
    {
        switch (Peek.Kind)
        {
            case TokenKind.Host: Take(); return Q.Host;
            case TokenKind.Net: Take(); return Q.Net;
            case TokenKind.Port: Take(); return Q.Port;
            case TokenKind.PortRange: Take(); return Q.PortRange;
            default: return Q.Default;
        }
    }

    private BoolNode ParseRelation()
    {
        int column = Peek.Column;
        ArthNode left = ParseArth(0);
        Token op = Peek;
        (ushort jump, bool reversed) = op.Kind switch
        {
            TokenKind.Greater => (BpfInstruction.JmpJgt, false),
            TokenKind.GreaterEqual => (BpfInstruction.JmpJge, false),
            TokenKind.Equal => (BpfInstruction.JmpJeq, false),
            TokenKind.LessEqual => (BpfInstruction.JmpJgt, true),
            TokenKind.Less => (BpfInstruction.JmpJge, true),
            TokenKind.NotEqual => (BpfInstruction.JmpJeq, true),
            _ => ((ushort)0xffff, false),
        };
        if (jump == 0xffff) Fail(op);
        Take();
        ArthNode right = ParseArth(0);
        return new RelationNode(jump, reversed, left, right, column);
    }

    // Binary operators by yacc precedence; '%' and '^' have none, so the parser always shifts on them.
    private static int Level(TokenKind k) => k switch
    {
        TokenKind.Pipe => 1,
        TokenKind.Amp => 2,
        TokenKind.ShiftLeft or TokenKind.ShiftRight => 3,
        TokenKind.Plus or TokenKind.Minus => 4,
        TokenKind.Star or TokenKind.Slash => 5,
        TokenKind.Percent or TokenKind.Caret => 99,
        _ => -1,
    };

    private ArthNode ParseArth(int minLevel)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        ArthNode left = ParseArthPrimary();
        while (true)
        {
            Token op = Peek;
            int level = Level(op.Kind);
            if (level < 0 || (level != 99 && level < minLevel)) return left;
            Take();
            ArthNode right = level == 99 ? ParseArth(0) : ParseArth(level + 1);
            ushort alu = op.Kind switch
            {
                TokenKind.Plus => BpfInstruction.AluAdd, TokenKind.Minus => BpfInstruction.AluSub,
                TokenKind.Star => BpfInstruction.AluMul, TokenKind.Slash => BpfInstruction.AluDiv,
                TokenKind.Percent => BpfInstruction.AluMod, TokenKind.Amp => BpfInstruction.AluAnd,
                TokenKind.Pipe => BpfInstruction.AluOr, TokenKind.Caret => BpfInstruction.AluXor,
                TokenKind.ShiftLeft => BpfInstruction.AluLsh, _ => BpfInstruction.AluRsh,
            };
            left = new BinaryNode(alu, left, right, op.Column);
        }
    }

    private ArthNode ParseArthPrimary()
    {
        Token t = Peek;
        switch (t.Kind)
        {
            case TokenKind.Num:
                Take();
                return new NumberNode(t.Value, t.Column);
            case TokenKind.Len:
                Take();
                return new LengthNode(t.Column);
            case TokenKind.Minus:
                Take();
                return new NegateNode(ParseArth(6), t.Column);
            case TokenKind.LParen:
                Take();
                ArthNode inner = ParseArth(0);
                Expect(TokenKind.RParen);
                return inner;
        }
        int proto = Q.ProtoOf(t.Kind);
        if (proto < 0) Fail(t);
        Take();
        Expect(TokenKind.LBracket);
        ArthNode index = ParseArth(0);
        uint size = 1;
        int sizeColumn = Peek.Column;
        if (Peek.Kind == TokenKind.Colon)
        {
            Take();
            Token n = Expect(TokenKind.Num);
            size = n.Value;
            sizeColumn = n.Column;
        }
        Expect(TokenKind.RBracket);
        return new LoadNode(proto, index, size, t.Column, sizeColumn);
    }

    private BoolNode ParseOther()
    {
        Token t = Take();
        switch (t.Kind)
        {
            case TokenKind.Broadcast or TokenKind.Multicast:
                return new PrimitiveNode(t.Kind, Q.Default, 0, false, t.Column);
            case TokenKind.LessKeyword or TokenKind.GreaterKeyword or TokenKind.Ifindex:
                return new PrimitiveNode(t.Kind, Q.Default, Expect(TokenKind.Num).Value, true, t.Column);
            case TokenKind.Byte:
            {
                uint index = Expect(TokenKind.Num).Value;
                Token op = Take();
                char c = op.Kind switch
                {
                    TokenKind.Amp => '&', TokenKind.Pipe => '|', TokenKind.Less => '<', TokenKind.Greater => '>',
                    TokenKind.Equal => '=', _ => '\0',
                };
                if (c == '\0') Fail(op);
                uint value = Expect(TokenKind.Num).Value;
                return new PrimitiveNode(t.Kind, Q.Default, index, true, t.Column, c, value);
            }
            case TokenKind.Inbound or TokenKind.Outbound or TokenKind.Pppoed:
                return new PrimitiveNode(t.Kind, Q.Default, 0, false, t.Column);
            case TokenKind.Vlan or TokenKind.Mpls or TokenKind.Pppoes or TokenKind.Geneve or TokenKind.Vxlan:
                if (Peek.Kind is TokenKind.Num or TokenKind.LParen)
                    return new PrimitiveNode(t.Kind, Q.Default, ParsePnum(), true, t.Column);
                return new PrimitiveNode(t.Kind, Q.Default, 0, false, t.Column);
            case TokenKind.Llc:
                if (Peek.Kind is TokenKind.Id or TokenKind.PfRnr)
                {
                    Token sub = Take();
                    return new LlcNode(sub.Kind == TokenKind.PfRnr ? "rnr" : sub.Text, t.Column, sub.Column);
                }
                return new LlcNode(null, t.Column, t.Column);
            case TokenKind.Type or TokenKind.Subtype or TokenKind.Dir:
                _pos--;
                return ParseP80211();
            case TokenKind.PfIfname or TokenKind.PfRuleset:
                Expect(TokenKind.Id);
                return new UnsupportedNode(t.Kind == TokenKind.PfIfname ? "ifname supported only on PF linktype" : "ruleset supported only on PF linktype", t.Column);
            case TokenKind.PfRnr or TokenKind.PfSrnr:
                Expect(TokenKind.Num);
                return new UnsupportedNode(t.Kind == TokenKind.PfRnr ? "rnr supported only on PF linktype" : "srnr supported only on PF linktype", t.Column);
            case TokenKind.PfReason:
                if (Peek.Kind == TokenKind.Num) Take(); else Expect(TokenKind.Id);
                return new UnsupportedNode("reason supported only on PF linktype", t.Column);
            case TokenKind.PfAction:
                Expect(TokenKind.Id);
                return new UnsupportedNode("action supported only on PF linktype", t.Column);
            case TokenKind.Lane or TokenKind.Metac or TokenKind.Bcc or TokenKind.Oamf4ec or TokenKind.Oamf4sc or TokenKind.Sc
                or TokenKind.Ilmic or TokenKind.Oam or TokenKind.Oamf4 or TokenKind.ConnectMsg or TokenKind.MetaConnect:
                return new UnsupportedNode($"'{AtmName(t)}' supported only on raw ATM", t.Column);
            case TokenKind.Vpi or TokenKind.Vci:
                ParseFieldValue();
                return new UnsupportedNode($"'{t.Text}' supported only on raw ATM", t.Column);
            case TokenKind.Fisu or TokenKind.Lssu or TokenKind.Msu:
                return new UnsupportedNode($"'{(t.Kind == TokenKind.Lssu ? "lssu" : t.Text)}' supported only on MTP2", t.Column);
            case TokenKind.Hfisu or TokenKind.Hlssu or TokenKind.Hmsu:
                return new UnsupportedNode($"'{t.Text}' supported only on MTP2_HSL", t.Column);
            case TokenKind.Sio or TokenKind.Opc or TokenKind.Dpc or TokenKind.Sls or TokenKind.Hsio or TokenKind.Hopc or TokenKind.Hdpc or TokenKind.Hsls:
                ParseFieldValue();
                return new UnsupportedNode($"'{t.Text.TrimStart('h')}' supported only on SS7", t.Column);
            default:
                _pos--;
                Fail(t);
                return null!;
        }
    }

    private static string AtmName(Token t) => t.Kind switch
    {
        TokenKind.Oamf4ec => "oam4ec", TokenKind.Oamf4sc => "oam4sc", _ => t.Text,
    };

    // atmvalue / mtp3value: NUM | relop NUM | irelop NUM | '(' NUM (or NUM)* ')'
    private void ParseFieldValue()
    {
        if (Peek.Kind == TokenKind.LParen)
        {
            Take();
            Expect(TokenKind.Num);
            while (Peek.Kind == TokenKind.Or)
            {
                Take();
                Expect(TokenKind.Num);
            }
            Expect(TokenKind.RParen);
            return;
        }
        if (Peek.Kind is TokenKind.Greater or TokenKind.GreaterEqual or TokenKind.Equal or TokenKind.LessEqual or TokenKind.Less or TokenKind.NotEqual) Take();
        Expect(TokenKind.Num);
    }

    // p80211: type T [subtype S] | subtype S | dir D
    private BoolNode ParseP80211()
    {
        Token t = Take();
        if (t.Kind == TokenKind.Dir)
        {
            if (Peek.Kind == TokenKind.Num) Take(); else Expect(TokenKind.Id);
            return new UnsupportedNode("frame direction supported only with 802.11 headers", t.Column);
        }
        if (Peek.Kind == TokenKind.Num && t.Kind == TokenKind.Type) Take(); else Expect(TokenKind.Id);
        if (t.Kind == TokenKind.Type && Peek.Kind == TokenKind.Subtype)
        {
            Take();
            if (Peek.Kind == TokenKind.Num) Take(); else Expect(TokenKind.Id);
        }
        return new UnsupportedNode("802.11 link-layer types supported only on 802.11", t.Column);
    }

    /// <summary>Tries <paramref name="alternative"/>; on failure restores the position and returns false. Results are remembered per position.</summary>
    private bool TrySpeculate<T>(int rule, Qualifier context, Func<(T Node, Qualifier Q)> alternative, out (T Node, Qualifier Q) result)
        where T : class
    {
        int start = _pos;
        if (_memo.TryGetValue((start, rule, context), out var m))
        {
            if (m.Error is not null)
            {
                result = default;
                return false;
            }
            _pos = m.End;
            result = ((T)m.Node!, m.Q);
            return true;
        }
        try
        {
            result = alternative();
            _memo[(start, rule, context)] = (result.Node, result.Q, _pos, null);
            return true;
        }
        catch (Failure f)
        {
            _memo[(start, rule, context)] = (null, default, start, f);
            _pos = start;
            result = default;
            return false;
        }
    }

    /// <summary>A parse failure at a column; the furthest one becomes the error the caller sees.</summary>
    private sealed class Failure(int column, string reason) : Exception(reason)
    {
        public int Column { get; } = column;

        public string Reason { get; } = reason;
    }
}
