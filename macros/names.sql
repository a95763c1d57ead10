{#- A name for matching: lower case, accents folded, apostrophes dropped (O'Brien -> obrien),
    other punctuation and hyphens become spaces (Smith-Jones -> smith jones), spaces collapsed. -#}
{% macro standardise_name(column) -%}
    nullif(
        trim(regexp_replace(
            regexp_replace(
                replace(replace(lower(strip_accents({{ clean_text(column) }})), '''', ''), '’', ''),
                '[^a-z ]', ' ', 'g'
            ),
            '\s+', ' ', 'g'
        )),
        ''
    )
{%- endmacro %}


{#- "SURNAME, Forename" -> its parts. Without a comma the last word is taken as the surname. -#}
{% macro surname_from_full_name(column) -%}
    case
        when contains({{ clean_text(column) }}, ',')
            then nullif(trim(split_part({{ clean_text(column) }}, ',', 1)), '')
        else nullif(regexp_extract({{ clean_text(column) }}, '(\S+)$', 1), '')
    end
{%- endmacro %}

{% macro forename_from_full_name(column) -%}
    case
        when contains({{ clean_text(column) }}, ',')
            then nullif(trim(substr({{ clean_text(column) }}, strpos({{ clean_text(column) }}, ',') + 1)), '')
        else nullif(trim(regexp_extract({{ clean_text(column) }}, '^(.*\S)\s+\S+$', 1)), '')
    end
{%- endmacro %}
