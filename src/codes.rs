//! Domain values with a stable machine code and a Norwegian label: a plan's
//! state, a measure's party, a risk's answer… `code_enum!` makes each one an
//! enum that is stored (in a column or in JSON) and posted (as a form value)
//! by its code, read back only through `parse`, and shown by its label. The
//! codes are the enum's own business: no other code compares them as text.

/// What every code enum offers, for form choices and stored values.
pub trait Code: Copy + PartialEq + 'static {
    const ALL: &'static [Self];
    fn code(self) -> &'static str;
    fn label(self) -> &'static str;

    fn parse(raw: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == raw.trim())
    }
}

/// `code_enum! { pub enum PlanState { Draft = "draft" "Utkast", … } }`
#[macro_export]
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $code:literal $label:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $( $(#[$vmeta])* $variant ),+ }

        // Also inherent, so that callers and templates need no trait in scope.
        impl $name {
            pub const ALL: &'static [Self] = <$name as $crate::codes::Code>::ALL;
            pub fn parse(raw: &str) -> Option<Self> {
                <$name as $crate::codes::Code>::parse(raw)
            }
            pub fn code(self) -> &'static str {
                <$name as $crate::codes::Code>::code(self)
            }
            pub fn label(self) -> &'static str {
                <$name as $crate::codes::Code>::label(self)
            }
        }

        impl $crate::codes::Code for $name {
            const ALL: &'static [Self] = &[ $( $name::$variant ),+ ];
            fn code(self) -> &'static str {
                match self { $( $name::$variant => $code ),+ }
            }
            fn label(self) -> &'static str {
                match self { $( $name::$variant => $label ),+ }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($crate::codes::Code::code(*self))
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                <$name as $crate::codes::Code>::parse(&raw).ok_or_else(|| {
                    serde::de::Error::custom(format!(concat!("unknown ", stringify!($name), " {:?}"), raw))
                })
            }
        }

        impl sqlx::Type<sqlx::Postgres> for $name {
            fn type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::Type<sqlx::Postgres>>::type_info()
            }
            fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <&str as sqlx::Type<sqlx::Postgres>>::compatible(ty)
            }
        }

        impl sqlx::postgres::PgHasArrayType for $name {
            fn array_type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::postgres::PgHasArrayType>::array_type_info()
            }
        }

        impl<'q> sqlx::Encode<'q, sqlx::Postgres> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut sqlx::postgres::PgArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<sqlx::Postgres>>::encode($crate::codes::Code::code(*self), buf)
            }
        }

        impl<'r> sqlx::Decode<'r, sqlx::Postgres> for $name {
            fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let raw = <&str as sqlx::Decode<sqlx::Postgres>>::decode(value)?;
                <$name as $crate::codes::Code>::parse(raw)
                    .ok_or_else(|| format!(concat!("unknown ", stringify!($name), " {:?}"), raw).into())
            }
        }
    };
}

#[cfg(test)]
mod tests {

    crate::code_enum! {
        pub enum Colour { Red = "red" "Rød", DeepBlue = "deep_blue" "Mørkeblå" }
    }

    #[test]
    fn a_value_reads_back_from_its_code_and_nothing_else() {
        for c in Colour::ALL {
            assert_eq!(Colour::parse(c.code()), Some(*c));
            let json = serde_json::to_string(c).unwrap();
            assert_eq!(serde_json::from_str::<Colour>(&json).unwrap(), *c);
        }
        assert_eq!(Colour::parse(" deep_blue "), Some(Colour::DeepBlue));
        assert_eq!(Colour::DeepBlue.label(), "Mørkeblå");
        assert_eq!(Colour::parse("Mørkeblå"), None, "a label is not a code");
        assert_eq!(Colour::parse(""), None);
        assert!(serde_json::from_str::<Colour>("\"green\"").is_err());
    }
}
