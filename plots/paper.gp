# paper.gp: the paper's measured baseline next to the simulator's numbers.
# Input (set by lambdasim plot paper): n_workloads, source_note,
# latency_label, two blocks each in
#   $lat  x  latency_ms        (block 0: paper; block 1: simulator)
#   $thr  x  requests_per_s    (block 0: paper; block 1: simulator)
# and the bar labels (as data, for xticlabels):
#   $lat_tics  x  "statistic"  "workload"
#   $thr_tics  x  "workload"
set multiplot title plot_title font ",16"
unset title
set style fill solid 0.85 border -1
set boxwidth 0.38
set key top left
set label 20 "paper: ".source_note at screen 0.01, screen 0.02 left font ",9" tc rgb "#555555"

set origin 0, 0.06
set size 0.68, 0.88
set title "latency per request: mean, p50, p99" font ",13"
set ylabel latency_label
set yrange [0:*]
set offsets 0, 0, graph 0.15, 0
set xrange [-0.7:4*n_workloads-1.3]
set xtics scale 0
plot $lat index 0 using 1:2 with boxes lc rgb "#9e9e9e" title "paper (measured)", \
     $lat index 1 using 1:2 with boxes lc rgb "#0072B2" title "lambdasim", \
     $lat index 0 using 1:2:(sprintf("%.1f", $2)) with labels offset 0,0.7 font ",9" notitle, \
     $lat index 1 using 1:2:(sprintf("%.1f", $2)) with labels offset 0,0.7 font ",9" notitle, \
     $lat_tics using 1:(NaN):xticlabels(strcol(2) . "\n" . strcol(3)) notitle

set origin 0.68, 0.06
set size 0.32, 0.88
set title "throughput" font ",13"
unset label 20
set ylabel "throughput (requests/s)"
set xrange [-0.7:n_workloads-0.3]
set key off
plot $thr index 0 using 1:2 with boxes lc rgb "#9e9e9e" title "paper (measured)", \
     $thr index 1 using 1:2 with boxes lc rgb "#0072B2" title "lambdasim", \
     $thr index 0 using 1:2:(sprintf("%.2f", $2)) with labels offset 0,0.7 font ",9" notitle, \
     $thr index 1 using 1:2:(sprintf("%.2f", $2)) with labels offset 0,0.7 font ",9" notitle, \
     $thr_tics using 1:(NaN):xticlabels(2) notitle
unset multiplot
