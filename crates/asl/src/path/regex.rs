//! A small linear-time regular-expression engine (Pike VM) for filter `=~ /re/flags`,
//! covering the commonly used subset of Java regex syntax with full-match semantics.

use std::fmt;

/// Maximum nesting of groups in a pattern.
const MAX_NESTING: usize = 64;
/// Maximum number of compiled instructions (bounds counted repetition blow-up).
const MAX_PROGRAM: usize = 20_000;
/// Maximum bound in `{n,m}`.
const MAX_REPEAT: u32 = 1_000;

/// A compiled regular expression from a filter literal such as `/^a.*z$/i`.
#[derive(Clone)]
pub struct Regex {
    pattern: String,
    flags: String,
    program: Vec<Inst>,
    classes: Vec<Class>,
    case_insensitive: bool,
    dot_all: bool,
    multi_line: bool,
}

impl fmt::Debug for Regex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}/{}", self.pattern, self.flags)
    }
}

impl PartialEq for Regex {
    fn eq(&self, other: &Self) -> bool {
        self.pattern == other.pattern && self.flags == other.flags
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Look {
    LineStart,
    LineEnd,
    TextStart,
    TextEnd,
    TextEndBeforeNewline,
    WordBoundary,
    NotWordBoundary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inst {
    Char(char),
    Any,
    Class(usize),
    Look(Look),
    Split(usize, usize),
    Jump(usize),
    Match,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClassItem {
    Range(char, char),
    Digit(bool),
    Word(bool),
    Space(bool),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Class {
    negated: bool,
    items: Vec<ClassItem>,
}

#[derive(Debug, Clone)]
enum Node {
    Empty,
    Char(char),
    Any,
    Class(usize),
    Look(Look),
    Concat(Vec<Node>),
    Alternate(Vec<Node>),
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
}

#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    case_insensitive: bool,
    dot_all: bool,
    multi_line: bool,
}

impl Regex {
    /// Compiles `pattern` with Java-style `flags` (`i`, `m`, `s`; `u`, `U`, `d` are accepted
    /// and ignored). Returns a message when the pattern is invalid or unsupported.
    pub fn new(pattern: &str, flags: &str) -> Result<Regex, String> {
        let mut parsed_flags = Flags::default();
        for flag in flags.chars() {
            match flag {
                'i' => parsed_flags.case_insensitive = true,
                's' => parsed_flags.dot_all = true,
                'm' => parsed_flags.multi_line = true,
                'u' | 'U' | 'd' => {}
                other => return Err(format!("unsupported regular expression flag '{other}'")),
            }
        }
        let mut parser = RegexParser {
            chars: pattern.chars().collect(),
            pos: 0,
            depth: 0,
            flags: parsed_flags,
            classes: Vec::new(),
        };
        let node = parser.parse_alternation()?;
        if let Some(c) = parser.chars.get(parser.pos) {
            return Err(format!("unexpected '{c}' at position {}", parser.pos));
        }
        let mut program = Vec::new();
        compile(&node, &mut program)?;
        push(&mut program, Inst::Match)?;
        Ok(Regex {
            pattern: pattern.to_string(),
            flags: flags.to_string(),
            program,
            classes: parser.classes,
            case_insensitive: parser.flags.case_insensitive,
            dot_all: parser.flags.dot_all,
            multi_line: parser.flags.multi_line,
        })
    }

    /// The pattern text (between the slashes).
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The flags as written after the closing slash.
    pub fn flags(&self) -> &str {
        &self.flags
    }

    /// Whether the whole of `text` matches (Java `Matcher.matches()` semantics).
    pub fn is_full_match(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        let size = self.program.len();
        let mut current = ThreadSet::new(size);
        let mut next = ThreadSet::new(size);
        self.add_thread(&mut current, 0, &chars, 0);
        for (pos, &c) in chars.iter().enumerate() {
            if current.list.is_empty() {
                return false;
            }
            next.clear();
            for &pc in &current.list {
                let advance = match self.program.get(pc) {
                    Some(Inst::Char(expected)) => self.char_eq(*expected, c),
                    Some(Inst::Any) => self.dot_all || !is_line_terminator(c),
                    Some(Inst::Class(index)) => self
                        .classes
                        .get(*index)
                        .is_some_and(|class| self.class_matches(class, c)),
                    _ => false,
                };
                if advance {
                    self.add_thread(&mut next, pc + 1, &chars, pos + 1);
                }
            }
            std::mem::swap(&mut current, &mut next);
        }
        current
            .list
            .iter()
            .any(|&pc| self.program.get(pc) == Some(&Inst::Match))
    }

    fn add_thread(&self, set: &mut ThreadSet, pc: usize, chars: &[char], pos: usize) {
        let mut stack = vec![pc];
        while let Some(pc) = stack.pop() {
            if !set.insert(pc) {
                continue;
            }
            match self.program.get(pc) {
                Some(Inst::Jump(target)) => stack.push(*target),
                Some(Inst::Split(first, second)) => {
                    stack.push(*second);
                    stack.push(*first);
                }
                Some(Inst::Look(look)) if self.look_holds(*look, chars, pos) => {
                    stack.push(pc + 1);
                }
                _ => {}
            }
        }
    }

    fn look_holds(&self, look: Look, chars: &[char], pos: usize) -> bool {
        let prev = pos.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(pos).copied();
        let at_end = pos >= chars.len();
        match look {
            Look::TextStart => pos == 0,
            Look::TextEnd => at_end,
            Look::TextEndBeforeNewline => {
                at_end || (pos + 1 == chars.len() && next.is_some_and(is_line_terminator))
            }
            Look::LineStart => {
                pos == 0 || (self.multi_line && prev.is_some_and(is_line_terminator) && !at_end)
            }
            Look::LineEnd => {
                at_end
                    || (pos + 1 == chars.len() && next.is_some_and(is_line_terminator))
                    || (self.multi_line && next.is_some_and(is_line_terminator))
            }
            Look::WordBoundary | Look::NotWordBoundary => {
                let boundary = prev.is_some_and(is_word) != next.is_some_and(is_word);
                boundary == (look == Look::WordBoundary)
            }
        }
    }

    fn char_eq(&self, expected: char, actual: char) -> bool {
        expected == actual
            || (self.case_insensitive
                && (fold_lower(expected) == fold_lower(actual)
                    || fold_upper(expected) == fold_upper(actual)))
    }

    fn class_matches(&self, class: &Class, c: char) -> bool {
        let hit = |c: char| class.items.iter().any(|item| item_matches(*item, c));
        let found = hit(c) || (self.case_insensitive && (hit(fold_lower(c)) || hit(fold_upper(c))));
        found != class.negated
    }
}

struct ThreadSet {
    list: Vec<usize>,
    seen: Vec<bool>,
}

impl ThreadSet {
    fn new(size: usize) -> Self {
        ThreadSet {
            list: Vec::new(),
            seen: vec![false; size],
        }
    }

    fn insert(&mut self, pc: usize) -> bool {
        match self.seen.get_mut(pc) {
            Some(seen) if !*seen => {
                *seen = true;
                self.list.push(pc);
                true
            }
            _ => false,
        }
    }

    fn clear(&mut self) {
        for &pc in &self.list {
            if let Some(seen) = self.seen.get_mut(pc) {
                *seen = false;
            }
        }
        self.list.clear();
    }
}

fn fold_lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

fn fold_upper(c: char) -> char {
    c.to_uppercase().next().unwrap_or(c)
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

fn item_matches(item: ClassItem, c: char) -> bool {
    match item {
        ClassItem::Range(lo, hi) => (lo..=hi).contains(&c),
        ClassItem::Digit(negated) => c.is_ascii_digit() != negated,
        ClassItem::Word(negated) => is_word(c) != negated,
        ClassItem::Space(negated) => is_space(c) != negated,
    }
}

fn push(program: &mut Vec<Inst>, inst: Inst) -> Result<usize, String> {
    if program.len() >= MAX_PROGRAM {
        return Err("regular expression is too large".to_string());
    }
    program.push(inst);
    Ok(program.len() - 1)
}

fn patch(program: &mut [Inst], at: usize, inst: Inst) {
    if let Some(slot) = program.get_mut(at) {
        *slot = inst;
    }
}

fn compile(node: &Node, program: &mut Vec<Inst>) -> Result<(), String> {
    match node {
        Node::Empty => {}
        Node::Char(c) => {
            push(program, Inst::Char(*c))?;
        }
        Node::Any => {
            push(program, Inst::Any)?;
        }
        Node::Class(index) => {
            push(program, Inst::Class(*index))?;
        }
        Node::Look(look) => {
            push(program, Inst::Look(*look))?;
        }
        Node::Concat(nodes) => {
            for node in nodes {
                compile(node, program)?;
            }
        }
        Node::Alternate(branches) => {
            let mut jumps = Vec::new();
            let count = branches.len();
            for (i, branch) in branches.iter().enumerate() {
                if i + 1 < count {
                    let split = push(program, Inst::Split(0, 0))?;
                    compile(branch, program)?;
                    jumps.push(push(program, Inst::Jump(0))?);
                    let next = program.len();
                    patch(program, split, Inst::Split(split + 1, next));
                } else {
                    compile(branch, program)?;
                }
            }
            let end = program.len();
            for jump in jumps {
                patch(program, jump, Inst::Jump(end));
            }
        }
        Node::Repeat { node, min, max } => {
            for _ in 0..*min {
                compile(node, program)?;
            }
            match max {
                None => {
                    let split = push(program, Inst::Split(0, 0))?;
                    compile(node, program)?;
                    push(program, Inst::Jump(split))?;
                    let end = program.len();
                    patch(program, split, Inst::Split(split + 1, end));
                }
                Some(max) => {
                    let mut splits = Vec::new();
                    for _ in *min..*max {
                        splits.push(push(program, Inst::Split(0, 0))?);
                        compile(node, program)?;
                    }
                    let end = program.len();
                    for split in splits {
                        patch(program, split, Inst::Split(split + 1, end));
                    }
                }
            }
        }
    }
    Ok(())
}

struct RegexParser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
    flags: Flags,
    classes: Vec<Class>,
}

impl RegexParser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn parse_alternation(&mut self) -> Result<Node, String> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err("regular expression nests too deeply".to_string());
        }
        let mut branches = vec![self.parse_concat()?];
        while self.eat('|') {
            branches.push(self.parse_concat()?);
        }
        self.depth -= 1;
        Ok(if branches.len() == 1 {
            branches.pop().unwrap_or(Node::Empty)
        } else {
            Node::Alternate(branches)
        })
    }

    fn parse_concat(&mut self) -> Result<Node, String> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.parse_atom()?;
            let atom = self.parse_quantifiers(atom)?;
            items.push(atom);
        }
        Ok(Node::Concat(items))
    }

    fn parse_quantifiers(&mut self, atom: Node) -> Result<Node, String> {
        let (min, max) = match self.peek() {
            Some('*') => {
                self.pos += 1;
                (0, None)
            }
            Some('+') => {
                self.pos += 1;
                (1, None)
            }
            Some('?') => {
                self.pos += 1;
                (0, Some(1))
            }
            Some('{') => match self.try_parse_bounds()? {
                Some(bounds) => bounds,
                None => return Err("illegal repetition '{'".to_string()),
            },
            _ => return Ok(atom),
        };
        if matches!(atom, Node::Look(_) | Node::Empty) {
            return Err("nothing to repeat".to_string());
        }
        // Lazy and possessive suffixes do not change whether a full match exists.
        if !self.eat('?') {
            self.eat('+');
        }
        if let Some(c @ ('*' | '+' | '?' | '{')) = self.peek() {
            return Err(format!("dangling meta character '{c}'"));
        }
        Ok(Node::Repeat {
            node: Box::new(atom),
            min,
            max,
        })
    }

    fn parse_number(&mut self) -> Option<u32> {
        let start = self.pos;
        let mut value: u32 = 0;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            value = value.saturating_mul(10).saturating_add(d);
            self.pos += 1;
        }
        (self.pos > start).then_some(value)
    }

    /// Parses `{n}`, `{n,}` or `{n,m}` (consuming it), or returns `None` without consuming.
    fn try_parse_bounds(&mut self) -> Result<Option<(u32, Option<u32>)>, String> {
        let start = self.pos;
        self.pos += 1;
        let Some(min) = self.parse_number() else {
            self.pos = start;
            return Ok(None);
        };
        let max = if self.eat(',') {
            self.parse_number()
        } else {
            Some(min)
        };
        if !self.eat('}') {
            self.pos = start;
            return Ok(None);
        }
        if min > MAX_REPEAT || max.is_some_and(|max| max > MAX_REPEAT) {
            return Err(format!("repetition bound above {MAX_REPEAT}"));
        }
        if max.is_some_and(|max| max < min) {
            return Err("illegal repetition range".to_string());
        }
        Ok(Some((min, max)))
    }

    fn add_class(&mut self, class: Class) -> Node {
        self.classes.push(class);
        Node::Class(self.classes.len() - 1)
    }

    fn parse_atom(&mut self) -> Result<Node, String> {
        let Some(c) = self.bump() else {
            return Ok(Node::Empty);
        };
        match c {
            '(' => self.parse_group(),
            '[' => {
                let class = self.parse_class()?;
                Ok(self.add_class(class))
            }
            '.' => Ok(Node::Any),
            '^' => Ok(Node::Look(Look::LineStart)),
            '$' => Ok(Node::Look(Look::LineEnd)),
            '\\' => self.parse_escape(),
            '*' | '+' | '?' => Err(format!("dangling meta character '{c}'")),
            '{' => Err("illegal repetition '{'".to_string()),
            other => Ok(Node::Char(other)),
        }
    }

    fn parse_group(&mut self) -> Result<Node, String> {
        if self.eat('?') {
            match self.bump() {
                Some(':') => {}
                Some('<') if !matches!(self.peek(), Some('=' | '!')) => {
                    while let Some(c) = self.bump() {
                        if c == '>' {
                            break;
                        }
                        if !c.is_ascii_alphanumeric() {
                            return Err("invalid group name".to_string());
                        }
                    }
                }
                Some('i' | 's' | 'm' | '-') => {
                    self.pos -= 1;
                    return self.parse_inline_flags();
                }
                _ => return Err("look-around and special groups are not supported".to_string()),
            }
        }
        let inner = self.parse_alternation()?;
        if !self.eat(')') {
            return Err("unclosed group".to_string());
        }
        Ok(inner)
    }

    /// `(?ims-ims)` or `(?ims:...)`; flags apply to the whole pattern (simplification).
    fn parse_inline_flags(&mut self) -> Result<Node, String> {
        let mut enable = true;
        loop {
            match self.bump() {
                Some('-') => enable = false,
                Some('i') => self.flags.case_insensitive = enable,
                Some('s') => self.flags.dot_all = enable,
                Some('m') => self.flags.multi_line = enable,
                Some(')') => return Ok(Node::Empty),
                Some(':') => {
                    let inner = self.parse_alternation()?;
                    if !self.eat(')') {
                        return Err("unclosed group".to_string());
                    }
                    return Ok(inner);
                }
                _ => return Err("unsupported inline flag".to_string()),
            }
        }
    }

    fn parse_hex(&mut self, digits: usize) -> Result<char, String> {
        let mut value = 0u32;
        for _ in 0..digits {
            let digit = self
                .bump()
                .and_then(|c| c.to_digit(16))
                .ok_or("invalid hexadecimal escape")?;
            value = value * 16 + digit;
        }
        char::from_u32(value).ok_or_else(|| "invalid code point".to_string())
    }

    /// An escape usable both inside and outside classes.
    fn parse_escape_item(&mut self) -> Result<Result<char, ClassItem>, String> {
        let Some(c) = self.bump() else {
            return Err("trailing backslash".to_string());
        };
        Ok(match c {
            'd' => Err(ClassItem::Digit(false)),
            'D' => Err(ClassItem::Digit(true)),
            'w' => Err(ClassItem::Word(false)),
            'W' => Err(ClassItem::Word(true)),
            's' => Err(ClassItem::Space(false)),
            'S' => Err(ClassItem::Space(true)),
            'n' => Ok('\n'),
            't' => Ok('\t'),
            'r' => Ok('\r'),
            'f' => Ok('\u{c}'),
            'a' => Ok('\u{7}'),
            'e' => Ok('\u{1b}'),
            'x' => Ok(self.parse_hex(2)?),
            'u' => Ok(self.parse_hex(4)?),
            c if c.is_ascii_alphanumeric() => {
                return Err(format!("unsupported escape '\\{c}'"));
            }
            c => Ok(c),
        })
    }

    fn parse_escape(&mut self) -> Result<Node, String> {
        let look = match self.peek() {
            Some('b') => Some(Look::WordBoundary),
            Some('B') => Some(Look::NotWordBoundary),
            Some('A') => Some(Look::TextStart),
            Some('z') => Some(Look::TextEnd),
            Some('Z') => Some(Look::TextEndBeforeNewline),
            _ => None,
        };
        if let Some(look) = look {
            self.pos += 1;
            return Ok(Node::Look(look));
        }
        match self.parse_escape_item()? {
            Ok(c) => Ok(Node::Char(c)),
            Err(item) => Ok(self.add_class(Class {
                negated: false,
                items: vec![item],
            })),
        }
    }

    fn parse_class_char(&mut self) -> Result<Result<char, ClassItem>, String> {
        match self.bump() {
            None => Err("unclosed character class".to_string()),
            Some('\\') => self.parse_escape_item(),
            Some('[') => Err("nested character classes are not supported".to_string()),
            Some(c) => Ok(Ok(c)),
        }
    }

    fn parse_class(&mut self) -> Result<Class, String> {
        let negated = self.eat('^');
        let mut items = Vec::new();
        let mut first = true;
        loop {
            match self.peek() {
                None => return Err("unclosed character class".to_string()),
                Some(']') if !first => {
                    self.pos += 1;
                    return Ok(Class { negated, items });
                }
                Some('&') if self.chars.get(self.pos + 1) == Some(&'&') => {
                    return Err("character class intersections are not supported".to_string());
                }
                _ => {}
            }
            first = false;
            let low = self.parse_class_char()?;
            match low {
                Err(item) => items.push(item),
                Ok(low) => {
                    let is_range = self.peek() == Some('-')
                        && self.chars.get(self.pos + 1).is_some_and(|c| *c != ']');
                    if is_range {
                        self.pos += 1;
                        match self.parse_class_char()? {
                            Ok(high) if high >= low => items.push(ClassItem::Range(low, high)),
                            Ok(_) => return Err("illegal character range".to_string()),
                            Err(_) => return Err("illegal character range".to_string()),
                        }
                    } else {
                        items.push(ClassItem::Range(low, low));
                    }
                }
            }
        }
    }
}
