{% set date_format = '%d/%m/%Y' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {'account_ref': 'trim(account_ref)'} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('revenues', 'accounts'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['account_ref']) }}
),

bands as (
    select * from {{ ref('council_tax_bands') }}
),

addressed as (
    select
        *,
        {{ address_line(['addr1', 'addr2', 'addr3', 'addr4']) }} as address_text
    from latest
),

cleaned as (
    select
        'revenues' as source_system,
        trim(account_ref) as source_record_id,
        {{ key.account_ref }} as account_ref,
        {{ clean_text('property_ref') }} as property_ref,
        -- PROPERTY_REF is the UPRN where revenues knows it, else a local reference.
        {{ parse_uprn('property_ref') }} as uprn_supplied,
        address_text,
        {{ standardise_address('address_text') }} as address_std,
        {{ normalise_postcode('postcode') }} as postcode,
        {{ clean_text('addr1') }} as address_line_1,
        {{ clean_text('addr2') }} as address_line_2,
        {{ clean_text('addr3') }} as address_line_3,
        {{ clean_text('addr4') }} as address_line_4,
        {{ clean_code('band') }} as valuation_band,
        {{ parse_date('liability_start', date_format) }} as liability_started_on,
        {{ parse_date('liability_end', date_format) }} as liability_ended_on,
        _extract_date as extract_date
    from addressed
),

coded as (
    select
        cleaned.*,
        bands.ratio_to_band_d_ninths as band_ratio_to_d_ninths
    from cleaned
    left join bands on cleaned.valuation_band = bands.code
)

select * from coded
