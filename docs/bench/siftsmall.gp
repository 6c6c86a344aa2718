# sextant-bench: recall-QPS chart. Redraw with `gnuplot siftsmall.gp` in this directory.
set xlabel "recall@10"
set ylabel "queries per second"
set logscale y
set format y "%.0f"
set grid back xtics ytics mytics lt 1 lw 1 lc rgb "#c4c4c4", lt 1 lw 1 lc rgb "#ececec"
set datafile separator "\t"
$s0 << EOD
0.9630	64365.3	16
0.9930	38896.2	32
0.9970	19111.6	64
1.0000	11533.4	128
1.0000	7227.2	256
1.0000	4039.3	512
EOD
$s1 << EOD
0.9680	103877.7	16
0.9940	54802.2	32
0.9970	32615.9	64
1.0000	17986.1	128
1.0000	9973.0	256
1.0000	5435.5	512
EOD
$s2 << EOD
0.4290	281331.9	1
0.5910	250504.2	2
0.7650	189819.8	4
0.9080	124664.2	8
0.9850	68710.6	16
0.9960	36575.2	32
1.0000	21364.8	64
1.0000	12098.5	128
EOD
$s3 << EOD
0.4780	32658.3	1
0.6670	28114.3	2
0.8090	22010.3	4
0.9130	15823.8	8
0.9700	10227.4	16
0.9960	6021.3	32
1.0000	3499.7	64
1.0000	2048.2	128
EOD
$s4 << EOD
0.9640	5064.5	16
0.9930	4121.1	32
0.9970	4027.0	64
1.0000	3397.2	128
1.0000	2851.8	256
1.0000	2169.5	512
EOD
$s5 << EOD
1.0000	2788.6	exact
EOD
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
  set terminal pngcairo size 1600,760 noenhanced font "Sans,11"
} else {
  set terminal png size 1600,760 noenhanced
}
set output "siftsmall.png"
set multiplot layout 1,2 title "siftsmall (10000 x 128, l2, 100 queries): recall@10 vs QPS, 1 client"
set title "every row"
set key inside bottom left opaque box
set xrange [0.4:1.01]
plot $s0 using 1:2 with linespoints lw 2 dt 1 pt 7 ps 1.2 lc rgb "#1f77b4" title "hnswlib [ef]", \
     $s0 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#1f77b4" notitle, \
     $s1 using 1:2 with linespoints lw 2 dt 1 pt 5 ps 1.2 lc rgb "#d62728" title "sextant-hnsw [ef]", \
     $s1 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#d62728" notitle, \
     $s2 using 1:2 with linespoints lw 2 dt 1 pt 9 ps 1.2 lc rgb "#2ca02c" title "sextant-ivf [nprobe]", \
     $s2 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#2ca02c" notitle, \
     $s3 using 1:2 with linespoints lw 2 dt 1 pt 11 ps 1.2 lc rgb "#9467bd" title "faiss-ivf [nprobe]", \
     $s3 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#9467bd" notitle, \
     $s4 using 1:2 with linespoints lw 2 dt 2 pt 13 ps 1.2 lc rgb "#ff7f0e" title "sextant-hnsw over HTTP [ef]", \
     $s4 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#ff7f0e" notitle, \
     $s5 using 1:2 with points lw 2 dt 2 pt 15 ps 1.8 lc rgb "#8c564b" title "sextant-exact over HTTP", \
     $s5 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#8c564b" notitle
set title "recall >= 0.9 (zoom)"
unset key
set xrange [0.9:1.002]
plot $s0 using 1:2 with linespoints lw 2 dt 1 pt 7 ps 1.2 lc rgb "#1f77b4" title "hnswlib [ef]", \
     $s0 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#1f77b4" notitle, \
     $s1 using 1:2 with linespoints lw 2 dt 1 pt 5 ps 1.2 lc rgb "#d62728" title "sextant-hnsw [ef]", \
     $s1 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#d62728" notitle, \
     $s2 using 1:2 with linespoints lw 2 dt 1 pt 9 ps 1.2 lc rgb "#2ca02c" title "sextant-ivf [nprobe]", \
     $s2 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#2ca02c" notitle, \
     $s3 using 1:2 with linespoints lw 2 dt 1 pt 11 ps 1.2 lc rgb "#9467bd" title "faiss-ivf [nprobe]", \
     $s3 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#9467bd" notitle, \
     $s4 using 1:2 with linespoints lw 2 dt 2 pt 13 ps 1.2 lc rgb "#ff7f0e" title "sextant-hnsw over HTTP [ef]", \
     $s4 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#ff7f0e" notitle, \
     $s5 using 1:2 with points lw 2 dt 2 pt 15 ps 1.8 lc rgb "#8c564b" title "sextant-exact over HTTP", \
     $s5 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#8c564b" notitle
unset multiplot
unset output
set terminal svg size 1600,760 noenhanced font "Sans,11" background rgb "white"
set output "siftsmall.svg"
set multiplot layout 1,2 title "siftsmall (10000 x 128, l2, 100 queries): recall@10 vs QPS, 1 client"
set title "every row"
set key inside bottom left opaque box
set xrange [0.4:1.01]
plot $s0 using 1:2 with linespoints lw 2 dt 1 pt 7 ps 1.2 lc rgb "#1f77b4" title "hnswlib [ef]", \
     $s0 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#1f77b4" notitle, \
     $s1 using 1:2 with linespoints lw 2 dt 1 pt 5 ps 1.2 lc rgb "#d62728" title "sextant-hnsw [ef]", \
     $s1 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#d62728" notitle, \
     $s2 using 1:2 with linespoints lw 2 dt 1 pt 9 ps 1.2 lc rgb "#2ca02c" title "sextant-ivf [nprobe]", \
     $s2 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#2ca02c" notitle, \
     $s3 using 1:2 with linespoints lw 2 dt 1 pt 11 ps 1.2 lc rgb "#9467bd" title "faiss-ivf [nprobe]", \
     $s3 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#9467bd" notitle, \
     $s4 using 1:2 with linespoints lw 2 dt 2 pt 13 ps 1.2 lc rgb "#ff7f0e" title "sextant-hnsw over HTTP [ef]", \
     $s4 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#ff7f0e" notitle, \
     $s5 using 1:2 with points lw 2 dt 2 pt 15 ps 1.8 lc rgb "#8c564b" title "sextant-exact over HTTP", \
     $s5 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#8c564b" notitle
set title "recall >= 0.9 (zoom)"
unset key
set xrange [0.9:1.002]
plot $s0 using 1:2 with linespoints lw 2 dt 1 pt 7 ps 1.2 lc rgb "#1f77b4" title "hnswlib [ef]", \
     $s0 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#1f77b4" notitle, \
     $s1 using 1:2 with linespoints lw 2 dt 1 pt 5 ps 1.2 lc rgb "#d62728" title "sextant-hnsw [ef]", \
     $s1 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#d62728" notitle, \
     $s2 using 1:2 with linespoints lw 2 dt 1 pt 9 ps 1.2 lc rgb "#2ca02c" title "sextant-ivf [nprobe]", \
     $s2 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#2ca02c" notitle, \
     $s3 using 1:2 with linespoints lw 2 dt 1 pt 11 ps 1.2 lc rgb "#9467bd" title "faiss-ivf [nprobe]", \
     $s3 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#9467bd" notitle, \
     $s4 using 1:2 with linespoints lw 2 dt 2 pt 13 ps 1.2 lc rgb "#ff7f0e" title "sextant-hnsw over HTTP [ef]", \
     $s4 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#ff7f0e" notitle, \
     $s5 using 1:2 with points lw 2 dt 2 pt 15 ps 1.8 lc rgb "#8c564b" title "sextant-exact over HTTP", \
     $s5 using 1:2:3 with labels offset char 0.6,0.6 left font ",8" tc rgb "#8c564b" notitle
unset multiplot
unset output
