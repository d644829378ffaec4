# cdf.gp: latency CDF, one curve per run.
# Input (set by lambdasim plot cdf): n_series, series_title[1..n_series],
# log_x (1: the latencies span a long tail), x_label, and $cdf with one
# block per series (blocks separated by two blank lines) of
#   latency_ms  fraction_of_requests_at_or_below
set xlabel x_label
set ylabel "fraction of requests with latency <= x"
set yrange [0:1.02]
set ytics 0.1
if (log_x) { set logscale x 10; set autoscale xfix; set offsets graph 0.02, graph 0.02, 0, 0; \
             set xtics (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000); \
             set mxtics 10 }
# The legend goes under the plot: inside, it would hide some curve's tail.
key_rows = n_series < 4 ? n_series : 4
set bmargin 4.5 + 1.25 * key_rows
set key at screen 0.5, screen 0.015 center bottom vertical maxrows 4
set arrow 1 from graph 0, first 0.99 to graph 1, first 0.99 nohead dt 2 lw 1 lc rgb "#777777" back
set label 1 "p99" at graph 0.005, first 0.975 left tc rgb "#555555" font ",10"
set arrow 2 from graph 0, first 0.5 to graph 1, first 0.5 nohead dt 3 lw 1 lc rgb "#aaaaaa" back
set label 2 "p50" at graph 0.005, first 0.485 left tc rgb "#777777" font ",10"
# Dashes as well as colours, so that identical curves stay visible.
plot for [i=1:n_series] $cdf index (i-1) using 1:2 with steps lt i dt i title series_title[i]
