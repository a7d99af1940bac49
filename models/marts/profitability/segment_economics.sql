-- Three rows, one per ABC class: how many customers, what they bring and what serving them
-- costs, so each class's service level can be set to what it earns (segment_economics_by).
{{ segment_economics_by('segments.abc_class', ['A', 'B', 'C'], 'abc_class') }}
