//! The words the book adds to the notes' text (the bibliography's title, "Figure 3",
//! "on page 41"), in the book's language.

/// One language's words.
#[derive(Debug, PartialEq, Eq)]
pub struct Words {
    pub references: &'static str,
    pub figure: &'static str,
    pub table: &'static str,
    pub equation: &'static str,
    pub section: &'static str,
    /// A page number after a reference, `{}` standing for it, with the space that joins it
    /// to the reference: " on page {}" → "Figure 3 on page 41".
    pub on_page: &'static str,
}

const EN: Words = Words {
    references: "References",
    figure: "Figure",
    table: "Table",
    equation: "Equation",
    section: "Section",
    on_page: " on page {}",
};

/// The words for a BCP 47 language tag (`de-CH` → German); English when the language is
/// not one of those known.
pub fn words(language: &str) -> &'static Words {
    let primary = language
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_lowercase();
    match primary.as_str() {
        "de" => &Words {
            references: "Literatur",
            figure: "Abbildung",
            table: "Tabelle",
            equation: "Gleichung",
            section: "Abschnitt",
            on_page: " auf Seite {}",
        },
        "fr" => &Words {
            references: "Références",
            figure: "Figure",
            table: "Tableau",
            equation: "Équation",
            section: "Section",
            on_page: " page {}",
        },
        "es" => &Words {
            references: "Referencias",
            figure: "Figura",
            table: "Tabla",
            equation: "Ecuación",
            section: "Sección",
            on_page: " en la página {}",
        },
        "it" => &Words {
            references: "Riferimenti bibliografici",
            figure: "Figura",
            table: "Tabella",
            equation: "Equazione",
            section: "Sezione",
            on_page: " a pagina {}",
        },
        "pt" => &Words {
            references: "Referências",
            figure: "Figura",
            table: "Tabela",
            equation: "Equação",
            section: "Seção",
            on_page: " na página {}",
        },
        "nl" => &Words {
            references: "Referenties",
            figure: "Figuur",
            table: "Tabel",
            equation: "Vergelijking",
            section: "Sectie",
            on_page: " op pagina {}",
        },
        "pl" => &Words {
            references: "Bibliografia",
            figure: "Rysunek",
            table: "Tabela",
            equation: "Równanie",
            section: "Rozdział",
            on_page: " na stronie {}",
        },
        "ru" => &Words {
            references: "Список литературы",
            figure: "Рисунок",
            table: "Таблица",
            equation: "Уравнение",
            section: "Раздел",
            on_page: " на странице {}",
        },
        "zh" => &Words {
            references: "参考文献",
            figure: "图",
            table: "表",
            equation: "公式",
            section: "节",
            on_page: "（第{}页）",
        },
        "ja" => &Words {
            references: "参考文献",
            figure: "図",
            table: "表",
            equation: "式",
            section: "節",
            on_page: "（{}ページ）",
        },
        "ko" => &Words {
            references: "참고 문헌",
            figure: "그림",
            table: "표",
            equation: "식",
            section: "절",
            on_page: " ({}페이지)",
        },
        "ar" => &Words {
            references: "المراجع",
            figure: "الشكل",
            table: "الجدول",
            equation: "المعادلة",
            section: "القسم",
            on_page: " في الصفحة {}",
        },
        _ => &EN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_or_script_subtag_keeps_its_language() {
        assert_eq!(words("de-CH").figure, "Abbildung");
        assert_eq!(words("zh_Hans").references, "参考文献");
        assert_eq!(words("").figure, "Figure");
        assert_eq!(words("xx").on_page, " on page {}");
    }
}
