{#-
    The seed rfm_segments maps every (R, FM) cell of the 5 x 5 grid to exactly one segment:
    returns the cells mapped to none or to more than one.
-#}
with

segments as (
    select * from {{ ref('rfm_segments') }}
),

scores as (
    select 1 as score
    union all
    select 2 as score
    union all
    select 3 as score
    union all
    select 4 as score
    union all
    select 5 as score
),

cells as (
    select
        r_scores.score as r_score,
        fm_scores.score as fm_score
    from scores as r_scores
    cross join scores as fm_scores
),

mapped as (
    select
        cells.r_score,
        cells.fm_score,
        count(segments.segment) as segments_matched
    from cells
    left join segments
        on
            cells.r_score between segments.r_score_min and segments.r_score_max
            and cells.fm_score between segments.fm_score_min and segments.fm_score_max
    group by cells.r_score, cells.fm_score
)

select * from mapped
where segments_matched != 1
