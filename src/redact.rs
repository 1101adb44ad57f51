//! Masking of personal and card data in text: card numbers (PAN), IBANs and e-mail addresses.
//! Used by `listen --redact` for what is shown, and for what is saved when asked.

/// Mask every card number, IBAN and e-mail address in a text.
pub(crate) fn redact(text: &str) -> String {
    let masked = mask_card_numbers(text);
    let masked = mask_ibans(&masked);
    mask_emails(&masked)
}

/// Digit runs of 13 to 19 that pass the Luhn check: all but the last four become `*`.
fn mask_card_numbers(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let end = i + bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
            let digits = &text[i..end];
            let boundary = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
            if boundary && (13..=19).contains(&digits.len()) && luhn(digits) {
                out.extend(std::iter::repeat_n('*', digits.len() - 4));
                out.push_str(&digits[digits.len() - 4..]);
            } else {
                out.push_str(digits);
            }
            i = end;
            continue;
        }
        let c = text[i..].chars().next().expect("inside the text");
        out.push(c);
        i += c.len_utf8();
    }
    out
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// Two capital letters, two digits, then 11 to 30 capitals or digits: keep the first four and the
/// last four characters.
fn mask_ibans(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts = (i == 0 || !chars[i - 1].is_ascii_alphanumeric())
            && chars.len() >= i + 15
            && chars[i].is_ascii_uppercase()
            && chars[i + 1].is_ascii_uppercase()
            && chars[i + 2].is_ascii_digit()
            && chars[i + 3].is_ascii_digit();
        if starts {
            let len = 4 + chars[i + 4..]
                .iter()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                .count();
            let boundary = i + len == chars.len() || !chars[i + len].is_ascii_alphanumeric();
            if boundary && (15..=34).contains(&len) {
                out.extend(&chars[i..i + 4]);
                out.extend(std::iter::repeat_n('*', len - 8));
                out.extend(&chars[i + len - 4..i + len]);
                i += len;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// `name@example.com` becomes `n***@example.com`.
fn mask_emails(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let local = |c: char| c.is_ascii_alphanumeric() || "._%+-".contains(c);
    let domain = |c: char| c.is_ascii_alphanumeric() || ".-".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if local(chars[i]) && (i == 0 || !local(chars[i - 1])) {
            let local_len = chars[i..].iter().take_while(|c| local(**c)).count();
            let at = i + local_len;
            let domain_len = chars
                .get(at + 1..)
                .map_or(0, |rest| rest.iter().take_while(|c| domain(**c)).count());
            let has_dot = chars
                .get(at + 1..at + 1 + domain_len)
                .is_some_and(|d| d.contains(&'.'));
            if chars.get(at) == Some(&'@') && domain_len > 2 && has_dot {
                out.push(chars[i]);
                out.push_str("***");
                out.extend(&chars[at..at + 1 + domain_len]);
                i = at + 1 + domain_len;
                continue;
            }
            out.extend(&chars[i..at]);
            i = at;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_cards_ibans_and_emails_and_nothing_else() {
        assert_eq!(
            redact("card 4242424242424242 ok"),
            "card ************4242 ok"
        );
        assert_eq!(
            redact("{\"pan\":\"5454545454545454\"}"),
            "{\"pan\":\"************5454\"}"
        );
        assert_eq!(
            redact("id 17954607198028"),
            "id 17954607198028",
            "fails Luhn: not a card"
        );
        assert_eq!(redact("DE89370400440532013000"), "DE89**************3000");
        assert_eq!(
            redact("\"iban\":\"FR7630006000011234567890189\""),
            "\"iban\":\"FR76*******************0189\""
        );
        assert_eq!(
            redact("mail jane.doe+x@example.com."),
            "mail j***@example.com."
        );
        assert_eq!(redact("no@tld and a@b"), "no@tld and a@b");
        assert_eq!(redact("Café 😀 1234"), "Café 😀 1234");
    }
}
